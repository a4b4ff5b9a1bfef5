"""Interoperability with the Hugging Face and lm-evaluation-harness ecosystems (design §1: lm-eval sits
beside the runner), one role per module:

| module | role |
|---|---|
| :mod:`.hf_tokenizer` | a harness tokenizer as a Hugging Face fast tokenizer (tiktoken vocabularies converted offline) |
| :mod:`.hf_export` | ``export-model``: a cell fine-tuned by ``run`` as a standard Hugging Face model directory |
| :mod:`.lm_eval_tasks` | ``export-lm-eval``: our tasks as lm-eval task YAMLs plus local JSON-lines data |
| :mod:`.lm_eval_task_utils` | the stand-alone ``utils.py`` written next to those YAMLs (scoring, data loading) |
| :mod:`.lm_eval_model` | the ``ltsc-hf`` lm-eval model: any compressor in front of a Hugging Face model |
| :mod:`.lm_eval_cli` | ``ltsc-bench lm-eval``: lm-eval's own command line, wrapper registered, caches made safe |
| :mod:`.lm_eval_results` | lm-eval results and logged samples as harness records (length, n² and FLOPs columns) |

Nothing here is imported by the engine; lm-eval is an optional dependency (``pip install "lm-eval[hf]==0.4.13"``).
"""
