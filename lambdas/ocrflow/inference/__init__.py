"""Models: the manifest (package data), fetching and verifying files (``fetch``), the registry
that resolves a name to a verified file (``registry``), the one onnxruntime session wrapper
(``session``). Submodules are imported where needed, so reading the manifest costs no
onnxruntime import."""
