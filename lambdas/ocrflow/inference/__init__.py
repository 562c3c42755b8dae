"""Models: the manifest (package data), fetching and verifying files (``fetch``), the model
registry that resolves a name to a verified file (``models``), the one onnxruntime session wrapper
(``session``). Submodules are imported where needed, so reading the manifest costs no
onnxruntime import."""
