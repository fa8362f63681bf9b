"""Run outputs on disk: results/<run_id>/{run.json, predictions.jsonl}, partial runs, loading."""
