"""The one LM layer shared by the hf model, DialogueLLM and LoRA training (torch is imported inside functions).

loading: model + tokenizer + adapter, safetensors only by default; tokens: lm-eval's encode_pair;
chat: the chat renderer and prompt fitter; score: the label scorer (packed on CPU, batched on GPU);
oracle: the naive scorer tests compare against; generate: batched greedy generation;
quiet: no library progress bars around our loads.
"""
