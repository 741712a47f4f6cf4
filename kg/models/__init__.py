"""Trained models shipped with the package, each a small JSON file with a card that says what it was
trained on and the command that rebuilds it (``make models``)."""
