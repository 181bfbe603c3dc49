"""The process designer's work: drafts and their validation, versions and diffs, package import / export
as zips, and the migration of running dossiers to a new version.
May import: engine.dossiers (migration moves running workflows) and everything below it."""
