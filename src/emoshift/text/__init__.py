"""Text: the frozen sentence encoder (``encoder``) and the deterministic instruction parser (``parser``)."""
