"""kg: build and query a knowledge graph of ML research literature from paper abstracts.

The pipeline, one module per stage: :mod:`kg.readers` → :mod:`kg.extract` → :mod:`kg.resolve`
→ :mod:`kg.graph` → :mod:`kg.rdf` / :mod:`kg.store`; :mod:`kg.build` runs them all.
"""

__version__ = "0.1.0"
