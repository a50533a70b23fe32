"""What both HTTP planes share: reading request bodies, decoding JSON, writing answers."""
