"""Recipe 3, a model: a :class:`LanguageModel` (here a bigram model: embedding -> linear)."""

from pathlib import Path

from harness.core import validate
from harness.core.env import require_torch
from harness.models import LanguageModel


class Bigram(LanguageModel):
    """A bigram model over the ids of the train split (sample plugin)"""

    supports_cache = False
    default_lr = 1e-2
    pad, eos = 0, 1

    def __init__(self, name: str, dim: int = 16):
        super().__init__(name, dim=validate.positive_int("dim", dim))

    def setup(self, tokenizer, extra_vocab, corpus, device) -> None:
        vocab = sorted(
            {i for seq in corpus for i in seq} | set(range(tokenizer.vocab_size, tokenizer.vocab_size + extra_vocab))
        )
        self._build(vocab, tokenizer.vocab_size, device)

    def _build(self, vocab: list[int], text_vocab: int, device) -> None:
        torch = require_torch()
        self.vocab, self.text_vocab, self.device = vocab, text_vocab, device
        self.to_model = {t: i + 2 for i, t in enumerate(vocab)}  # 0 = pad (and unknown ids), 1 = eos
        size, dim = len(vocab) + 2, self.params["dim"]
        self.module = torch.nn.Sequential(torch.nn.Embedding(size, dim), torch.nn.Linear(dim, size)).to(device)

    def model_ids(self, ids):
        return [self.to_model.get(i, 0) for i in ids]

    def output_text_ids(self, ids):
        return [self.vocab[i - 2] for i in ids if 2 <= i < len(self.vocab) + 2 and self.vocab[i - 2] < self.text_vocab]

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, use_cache=False):
        return self.module(input_ids), None

    def save(self, path: Path) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        require_torch().save(
            {"vocab": self.vocab, "text_vocab": self.text_vocab, "state": self.module.state_dict()},
            Path(path) / "bigram.pt",
        )

    def load(self, path: Path, device) -> None:
        data = require_torch().load(Path(path) / "bigram.pt", map_location=device)
        self._build(data["vocab"], data["text_vocab"], device)
        self.module.load_state_dict(data["state"])

    def architecture(self) -> dict:
        return {
            "params": sum(p.numel() for p in self.module[1].parameters()),
            "layers": 0,
            "d_model": self.params["dim"],
        }
