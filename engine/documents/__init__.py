"""Dossier documents (DOMAIN §9, issue 18): parts and files, their safety, storage by hash, downloads."""
