"""The customer socket protocol: frames, codecs and binary framing, free of Django."""
