"""Truth corpus: real small training runs written by the frameworks themselves, with per-sample
facts of every evaluation (`truth.jsonl`) and labels (`labels.json`) beside each log."""
