"""HTTP layer: the Connexion app and thin handlers over the store."""
