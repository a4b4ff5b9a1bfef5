"""``ltsc-hf``: lm-eval's Hugging Face model with any harness compressor in front of it.

``--model ltsc-hf --model_args pretrained=DIR,compressor=SPEC[,scope=prompt|context]`` takes
every argument of lm-eval's ``hf`` model. Each request's context is tokenized as the
harness does (no BOS unless ``add_bos_token=True``; the parts of a prompt exported by
``export-lm-eval`` each on its own, see ``harness_scoring``) with the model's own tokenizer
(harness tokenizer ``hf:<pretrained>``), compressed by the prompt pipeline's
:func:`~harness.pipeline.compress_prompt`, and the model reads the compressed ids:

- meta-token compressors need a checkpoint with rows for their ids (``ltsc-bench
  export-model``); without them building the wrapper is a one-line error. A model exported
  by ltsc-bench brings its compressor and scope (``ltsc_bench.json``): they are the defaults.
  A compressor's parameters are separated by ``;`` inside model_args
  (``compressor=ltsc@max_len=8;pool_size=32``), or the value is quoted.
- generation: meta ids the model generates are expanded through the prompt's dictionary
  where the compressor can (else dropped) before the text is decoded.
- loglikelihood: only the context is compressed; the continuation is tokenized on its own
  and its ids follow the compressed context unchanged, so they are scored exactly.
  Rolling-window requests (perplexity) are refused.
- one JSON line per document (its first request) goes to a log (``log=PATH``, else
  ``$LTSC_LM_EVAL_LOG``, which ``ltsc-bench lm-eval`` sets to ``--output_path``/
  ``ltsc_requests.jsonl``): raw and compressed lengths, codec figures, ``input_ids`` (the
  compressor's output) and ``raw_ids`` (its input: the prompt, or the context with
  ``scope=context``). The results JSON names the log (``config.ltsc_bench.log``) relative to the
  lm-eval output folder (``$LTSC_LM_EVAL_OUTPUT``, set by ``ltsc-bench lm-eval``), or by its
  file name when it lies elsewhere, never by an absolute path; :mod:`.lm_eval_results` reads it
  from inside the folder it reads and adds the length, n² and FLOPs columns.

``harness_scoring=true`` (default): for documents exported by ``export-lm-eval`` (they
carry ``prefix``/``context``/``suffix``), the prompt's three parts are tokenized apart and a
choice is scored with the end of answer after it, exactly as ``ltsc-bench run`` scores
it, so accuracies equal the harness's own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

from lm_eval.api.registry import register_model
from lm_eval.models.huggingface import HFLM
from lm_eval.models.utils import handle_stop_sequences, normalize_gen_kwargs, postprocess_generated_text

from ..core.errors import HarnessError
from ..engine.pipeline import check_scope, compress_prompt, round_trip_ok
from .hf_export import read_manifest
from .lm_eval_results import log_reference
from .lm_eval_tasks import is_exported_doc

#: env var naming the request log when the model args do not (``ltsc-bench lm-eval`` sets it)
LOG_ENV = "LTSC_LM_EVAL_LOG"
#: env var naming the lm-eval output folder: the results JSON names the log relative to it (``ltsc-bench lm-eval``)
OUTPUT_ENV = "LTSC_LM_EVAL_OUTPUT"
#: the key under which the wrapper's fingerprint is stored in an lm-eval ``--use_cache`` database
CACHE_KEY = "__ltsc_bench_fingerprint__"


def _bool(value) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes")


@register_model("ltsc-hf")
class CompressingHFLM(HFLM):
    """lm-eval's ``hf`` model reading compressed contexts (see the module docstring)."""

    def __init__(
        self,
        pretrained,
        compressor: str | None = None,
        scope: str | None = None,
        log: str | None = None,
        harness_scoring=True,
        **kwargs,
    ):
        from ..compressors import build_compressor
        from ..core.spec import Spec
        from ..data.tokenizers import get_tokenizer

        if not isinstance(pretrained, str):
            raise HarnessError("ltsc-hf needs pretrained=<model directory or hub name>")
        # the compressor first: a bad spec fails before any weights are loaded
        manifest = read_manifest(pretrained) if Path(pretrained).is_dir() else {}
        spec = str(compressor or manifest.get("compressor") or "raw").replace(";", ",")
        label = str(compressor).replace(";", ",") if compressor else manifest.get("compressor_label") or spec
        self.harness_tokenizer = get_tokenizer(f"hf:{kwargs.get('tokenizer') or pretrained}")
        self.compressor = build_compressor(spec, self.harness_tokenizer)
        self.compressor_label = str(Spec.parse(label))
        self.scope = check_scope(str(scope or manifest.get("scope") or "prompt"))
        self.harness_scoring = _bool(harness_scoring)
        self.manifest = manifest
        super().__init__(pretrained=pretrained, **kwargs)
        self._check_rows(pretrained)
        self.fingerprint = hashlib.sha256(
            json.dumps(
                [
                    pretrained,
                    kwargs.get("tokenizer"),
                    self.compressor.spec,
                    self.scope,
                    self.harness_scoring,
                    self.add_bos_token,
                    str(kwargs.get("dtype")),
                ],
                default=str,
            ).encode()
        ).hexdigest()[:16]
        self.log_path = Path(log or os.environ.get(LOG_ENV) or self._default_log())
        self.run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{self.fingerprint}"
        self._prompts: dict = {}
        self._logged: set = set()

    def _default_log(self) -> Path:
        from ..core.env import cache_dir

        return cache_dir() / "lm-eval" / "requests.jsonl"

    def _check_rows(self, pretrained: str) -> None:
        vocab, extra = self.harness_tokenizer.vocab_size, self.compressor.extra_vocab
        rows = self.model.get_input_embeddings().weight.shape[0]
        if vocab + extra > rows:
            raise HarnessError(
                f"compressor {self.compressor.spec!r} emits ids up to {vocab + extra - 1} but "
                f"{pretrained} has {rows} embedding rows; fine-tune with `ltsc-bench run` and `ltsc-bench export-model`, "
                "or use ltsc-text or a lossy compressor"
            )
        if self.manifest and self.manifest.get("vocab_size") != vocab:
            raise HarnessError(
                f"{pretrained}: its tokenizer has {vocab} ids but the model was trained with "
                f"{self.manifest.get('vocab_size')}; export the model again"
            )
        if extra and not self.manifest:
            logging.getLogger(__name__).warning(
                f"ltsc-hf: {pretrained} was not exported by `ltsc-bench export-model`; "
                f"its rows for the {extra} ids of {self.compressor.spec} may be untrained"
            )

    # -- prompts ---------------------------------------------------------------------------
    def _parts(self, context: str, doc) -> tuple[list[str], str | None]:
        """The prompt's text parts (prefix, context, suffix) and the question, for compress_prompt."""
        if self.harness_scoring and is_exported_doc(doc):
            body = doc["prefix"] + doc["context"] + doc["suffix"]
            if context.endswith(body):
                return [context[: len(context) - len(body)] + doc["prefix"], doc["context"], doc["suffix"]], doc[
                    "suffix"
                ].strip()
        return ["", context, ""], None

    def _prompt(self, context: str, req) -> dict:
        """The compressed context of one request (computed once per distinct context), with its log entry."""
        texts, question = self._parts(context, req.doc)
        key = (context, tuple(texts))
        if key in self._prompts:
            return self._prompts[key]
        parts = [self.harness_tokenizer.encode(t) for t in texts]
        start = time.perf_counter()
        ids, out, source = compress_prompt(self.compressor, parts, self.scope, question)
        seconds = time.perf_counter() - start
        ok = round_trip_ok(self.compressor, out.ids, source) if self.compressor.lossless else None
        if not ids:  # an empty context: condition on the model's prefix token, as lm-eval does
            ids = [self.prefix_token_id]
        bos = [self.tokenizer.bos_token_id] if self.add_bos_token and self.tokenizer.bos_token_id is not None else []
        entry = {
            "ids": bos + list(ids),
            "compressed": out,
            "source": source,
            "raw_tokens": sum(map(len, parts)),
            "input_tokens": len(ids),
            "round_trip_ok": ok,
            "codec_seconds": seconds,
        }
        self._prompts[key] = entry
        return entry

    def _log(self, reqs, entries) -> None:
        """One line per document (its first request) of this run: lengths, codec figures and the ids."""
        lines = []
        for req, e in zip(reqs, entries):
            if (req.task_name, req.doc_id) in self._logged:
                continue
            self._logged.add((req.task_name, req.doc_id))
            out = e["compressed"]
            lines.append(
                json.dumps(
                    {
                        "run": self.run_id,
                        "task": req.task_name,
                        "doc_id": req.doc_id,
                        "idx": req.idx,
                        "request_type": req.request_type,
                        "example_id": req.doc.get("id") if is_exported_doc(req.doc) else None,
                        "compressor": self.compressor.spec,
                        "compressor_params": self.compressor.params,
                        "lossless": self.compressor.lossless,
                        "scope": self.scope,
                        "raw_tokens": e["raw_tokens"],
                        "input_tokens": e["input_tokens"],
                        "dictionary_entries": out.dictionary_entries,
                        "dictionary_tokens": out.dictionary_tokens,
                        "changed": out.changed,
                        "target_tokens": out.target_tokens,
                        "round_trip_ok": e["round_trip_ok"],
                        "codec_seconds": e["codec_seconds"],
                        "input_ids": list(out.ids),
                        "raw_ids": list(e["source"]),
                    },
                    default=str,
                )
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))

    def set_cache_hook(self, cache_hook) -> None:
        """lm-eval's ``--use_cache`` attaches its database here: it is checked before any answer is read from it."""
        super().set_cache_hook(cache_hook)
        self._check_cache()

    def _check_cache(self) -> None:
        """Refuse an lm-eval ``--use_cache`` database written by another model, compressor or scope (lm-eval keys
        its entries on the prompt text only, so they would answer for this one)."""
        db = getattr(self.cache_hook, "dbdict", None)
        if db is None:
            return
        found = db.get(CACHE_KEY)
        if found is None and len(db):
            raise HarnessError(
                f"the --use_cache database {db.filename} holds answers of another model; "
                "run through `ltsc-bench lm-eval`, which gives every model and compressor its own"
            )
        if found is not None and found != self.fingerprint:
            raise HarnessError(
                f"the --use_cache database {db.filename} belongs to another model, compressor or scope; "
                "run through `ltsc-bench lm-eval`, which gives every model and compressor its own"
            )
        if found is None:
            db[CACHE_KEY] = self.fingerprint
            db.commit()

    # -- lm-eval's request types -----------------------------------------------------------------
    def loglikelihood(self, requests, disable_tqdm: bool = False):
        new_reqs, entries = [], []
        for req in requests:
            context, continuation = req.args[0], req.args[1]
            entry = self._prompt(context, req)
            cont = self.harness_tokenizer.encode(continuation)
            if self.harness_scoring and is_exported_doc(req.doc) and req.doc.get("choices"):
                cont = cont + [self.eot_token_id]  # as the harness scores a label: the choice, then the end of answer
            if not cont:
                raise HarnessError(
                    f"task {req.task_name}: a continuation encodes to no tokens; ltsc-hf cannot score it"
                )
            new_reqs.append(((context, continuation), entry["ids"], cont))
            entries.append(entry)
        self._log(requests, entries)
        return self._loglikelihood_tokens(new_reqs, disable_tqdm=disable_tqdm)

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise HarnessError(
            "ltsc-hf refuses rolling-window (perplexity) requests: compressing the text being scored "
            "would change what is measured; use lm-eval's hf model for them"
        )

    def _output_ids(self, toks: list[int], entry: dict) -> list[int]:
        """Generated ids with meta ids expanded through the prompt's dictionary where possible, else dropped."""
        vocab = self.harness_tokenizer.vocab_size
        if all(t < vocab for t in toks):
            return toks
        header = []
        ids = list(entry["compressed"].ids)
        close = getattr(self.compressor, "dict_close", None)
        if close is not None and close in ids:
            header = ids[: ids.index(close) + 1]
        out = []
        for t in toks:
            if t < vocab:
                out.append(t)
            elif header and self.compressor.lossless:
                try:
                    out += self.compressor.decompress(header + [t])
                except HarnessError:
                    pass
        return out

    def generate_until(self, requests, disable_tqdm: bool = False):
        import torch

        entries = [self._prompt(req.args[0], req) for req in requests]
        self._log(requests, entries)
        results: list[str | None] = [None] * len(requests)
        size = int(self.batch_size) if str(self.batch_size).isdigit() else 1
        eos = self.tok_decode(self.eot_token_id, skip_special_tokens=False)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.eot_token_id
        groups: dict[str, list[int]] = {}
        for i, req in enumerate(requests):
            groups.setdefault(json.dumps(req.args[1], sort_keys=True, default=str), []).append(i)
        for members in groups.values():
            members.sort(key=lambda i: -len(entries[i]["ids"]))
            kwargs = dict(normalize_gen_kwargs(requests[members[0]].args[1], self.max_gen_toks))
            until = handle_stop_sequences(kwargs.pop("until", None), eos=eos)
            max_gen = kwargs.pop("max_gen_toks")
            room = self.max_length - max_gen
            if room <= 0:
                raise HarnessError(
                    f"max_gen_toks {max_gen} leaves no room for a prompt in max_length {self.max_length}"
                )
            for start in range(0, len(members), size):
                batch = members[start : start + size]
                if any(len(entries[i]["ids"]) > room for i in batch):
                    logging.getLogger(__name__).warning(
                        f"ltsc-hf: a prompt longer than {room} tokens (max_length - max_gen_toks) is cut from the left; "
                        "a compressed prompt loses its dictionary that way"
                    )
                prompts = [entries[i]["ids"][-room:] for i in batch]
                width = max(map(len, prompts))
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, p in enumerate(prompts):
                    ids[row, width - len(p) :] = torch.tensor(p)
                    mask[row, width - len(p) :] = 1
                out = self._model_generate(
                    context=ids.to(self.device),
                    attention_mask=mask.to(self.device),
                    stop=until,
                    max_length=width + max_gen,
                    **kwargs,
                )
                for row, i in enumerate(batch):
                    toks = self._output_ids(out[row, width:].tolist(), entries[i])
                    text = postprocess_generated_text(self.tok_decode(toks), until, None)
                    results[i] = text
                    self.cache_hook.add_partial("generate_until", requests[i].args, text)
        return results

    def get_model_info(self) -> dict:
        """Written into lm-eval's results JSON (``config``): what :mod:`.lm_eval_results` needs."""
        info = super().get_model_info()
        cfg = self.model.config
        params = sum(p.numel() for p in self.model.parameters())
        if not getattr(cfg, "tie_word_embeddings", False):
            params -= self.model.get_input_embeddings().weight.numel()  # a lookup, not a matmul
        info["ltsc_bench"] = {
            "compressor": self.compressor.spec,
            "compressor_label": self.compressor_label,
            "compressor_params": self.compressor.params,
            "lossless": self.compressor.lossless,
            "scope": self.scope,
            "tokenizer": self.harness_tokenizer.name,
            "harness_scoring": self.harness_scoring,
            "log": log_reference(self.log_path, os.environ.get(OUTPUT_ENV) or None),  # never an absolute path
            "run": self.run_id,
            "fingerprint": self.fingerprint,
            "architecture": {"params": params, "layers": cfg.num_hidden_layers, "d_model": cfg.hidden_size},
            "trained_on": self.manifest.get("compressor"),
            "train_steps": (self.manifest.get("train") or {}).get("steps"),
            "seed": self.manifest.get("seed"),
            "comparison": self.manifest.get("comparison"),
            "run_model": self.manifest.get("model_label"),
        }
        return info
