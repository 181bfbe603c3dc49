"""Dossier data through the serialised workflow state, unchanged whatever its keys.

SpiffWorkflow's registry restores any dictionary with a ``typename`` key as one of its own objects: a citizen's
or an officer's data with such a key (at any depth) would be read as an object on the next load and the dossier
could no longer be loaded. So the keys of the data parts of a state (the workflow's data, each task's data and
data delta) are escaped on the way out: a reserved key, and any key that begins with the escape mark, gets one
more mark in front; on the way in the restored data loses one mark per key. The mapping is one-to-one, so any
data comes back identical. A state in which nothing needed escaping is stored exactly as before, and only a
state marked as escaped is unescaped when loaded (states written before this rule had nothing escaped).
"""

from __future__ import annotations

ESCAPE_MARK = "~"
# The keys SpiffWorkflow's DictionaryConverter.restore interprets inside data.
RESERVED_KEYS = frozenset({"typename"})
# Set in the serialised workflow when some key was escaped (the version of this rule).
ESCAPED_FLAG = "motcua_escaped_keys"
ESCAPE_VERSION = 1


def _reserved(key) -> bool:
    return isinstance(key, str) and (key in RESERVED_KEYS or key.startswith(ESCAPE_MARK))


def needs_escape(value) -> bool:
    """Whether any key of ``value`` (dicts and lists, at any depth) must be escaped."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if _reserved(key):
                    return True
                if isinstance(child, (dict, list)):
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(child for child in item if isinstance(child, (dict, list)))
    return False


def escape_key(key):
    return ESCAPE_MARK + key if _reserved(key) else key


def unescape_key(key):
    return key[len(ESCAPE_MARK):] if isinstance(key, str) and key.startswith(ESCAPE_MARK) else key


def _map_keys(value, rename):
    """A copy of ``value`` with every dict key renamed (the input is never changed: nested data may be shared
    between tasks)."""
    if isinstance(value, dict):
        return {rename(key): _map_keys(child, rename) for key, child in value.items()}
    if isinstance(value, list):
        return [_map_keys(child, rename) for child in value]
    return value


def escape(value):
    return _map_keys(value, escape_key)


def unescape(value):
    return _map_keys(value, unescape_key)


def _data_parts(workflow_dict: dict):
    """(container, key) of every data part of a serialised workflow and its sub-workflows."""
    yield workflow_dict, "data"
    for task in workflow_dict.get("tasks", {}).values():
        yield task, "data"
        delta = task.get("delta")
        if delta:
            yield delta, "updates"
    for sub in workflow_dict.get("subprocesses", {}).values():
        yield from _data_parts(sub)


def _deletions(workflow_dict: dict):
    for task in workflow_dict.get("tasks", {}).values():
        delta = task.get("delta")
        if delta and delta.get("deletions"):
            yield delta
    for sub in workflow_dict.get("subprocesses", {}).values():
        yield from _deletions(sub)


def escape_state(workflow_dict: dict) -> dict:
    """Escape the data keys of a serialised workflow in place (its data parts are replaced, not changed)."""
    parts = [(c, k) for c, k in _data_parts(workflow_dict) if k in c]
    deletions = list(_deletions(workflow_dict))
    if not any(needs_escape(c[k]) for c, k in parts) and not any(
            _reserved(key) for d in deletions for key in d["deletions"]):
        return workflow_dict
    for container, key in parts:
        container[key] = escape(container[key])
    for delta in deletions:
        delta["deletions"] = [escape_key(key) for key in delta["deletions"]]
    workflow_dict[ESCAPED_FLAG] = ESCAPE_VERSION
    return workflow_dict


def is_escaped(workflow_dict: dict) -> bool:
    return workflow_dict.get(ESCAPED_FLAG) == ESCAPE_VERSION


def unescape_workflow(workflow) -> None:
    """After restoring an escaped state: the live workflow's data with its keys as they were given."""
    workflow.data = unescape(workflow.data)
    for task in workflow.tasks.values():
        task.data = unescape(task.data)
    for sub in getattr(workflow, "subprocesses", {}).values():
        unescape_workflow(sub)
