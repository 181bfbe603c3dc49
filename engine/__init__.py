"""motcua engine: the domain core, one package per domain area (ARCHITECTURE.md draws them and their order).
Never imports ``web``; top-level modules are only what every area shares (errors, enums, settings, context,
paging, input schemas)."""
