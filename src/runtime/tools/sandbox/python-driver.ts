/**
 * The program that runs a Python tool inside a sandbox (`python3 -I -c <this>`). It reads one JSON request
 * on stdin ({source, function, args, agent_state, marker}), runs the source as a module, calls the
 * function with keyword arguments (plus `agent_state` when it declares one), and writes one JSON envelope
 * after the marker on the original stdout: `{ok, value}` or `{ok:false, error:{name, message, traceback}}`,
 * and the blocks whose value the tool changed. Everything the tool prints stays before the marker.
 * The return value is rendered as Letta renders it: text as is, None as "None", JSON when it can be.
 */
export const PYTHON_DRIVER = String.raw`
import asyncio, inspect, json, os, sys, traceback

_request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
_marker = _request.pop("marker")
_result_fd = os.dup(1)
os.set_inheritable(_result_fd, False)


class Block:
    def __init__(self, label, value, limit=None, description=None, read_only=False):
        self.label = label
        self.limit = limit
        self.description = description
        self.read_only = read_only
        self._value = value

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, new_value):
        if not isinstance(new_value, str):
            raise ValueError("Provided value must be a string")
        if self.limit is not None and len(new_value) > self.limit:
            raise ValueError(
                "Edit failed: Exceeds %d character limit (requested %d)." % (self.limit, len(new_value))
            )
        self._value = new_value

    def __repr__(self):
        return "Block(label=%r, value=%r)" % (self.label, self._value)


class Memory:
    def __init__(self, blocks):
        self.blocks = blocks

    def get_block(self, label):
        for block in self.blocks:
            if block.label == label:
                return block
        raise KeyError(
            "Block field %s does not exist (available sections = %s)"
            % (label, ", ".join(block.label for block in self.blocks))
        )

    def get_blocks(self):
        return list(self.blocks)

    def list_block_labels(self):
        return [block.label for block in self.blocks]

    def update_block_value(self, label, value):
        if not isinstance(value, str):
            raise ValueError("Provided value must be a string")
        for block in self.blocks:
            if block.label == label:
                block.value = value
                return
        raise ValueError("Block with label %s does not exist" % label)

    def compile(self):
        return "\n".join(
            "<%s>\n%s\n</%s>" % (block.label, block.value, block.label) for block in self.blocks
        )


class AgentState:
    def __init__(self, state):
        self.id = state["id"]
        self.name = state.get("name")
        self.description = state.get("description")
        self.tags = state.get("tags") or []
        self.metadata = state.get("metadata")
        self.memory = Memory(
            [
                Block(
                    block["label"],
                    block["value"],
                    block.get("limit"),
                    block.get("description"),
                    block.get("read_only", False),
                )
                for block in state.get("blocks", [])
            ]
        )


def _render(value):
    if isinstance(value, str):
        return value
    if value is None:
        return "None"
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _emit(envelope):
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    data = ("\n" + _marker + json.dumps(envelope, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    while data:
        written = os.write(_result_fd, data)
        data = data[written:]


def _error(exc):
    lines = traceback.format_exception_only(type(exc), exc)
    return {
        "name": type(exc).__name__,
        "message": str(exc),
        "traceback": lines[-1].strip() if lines else type(exc).__name__,
    }


def _main():
    agent_state = AgentState(_request["agent_state"]) if _request.get("agent_state") else None
    initial = {}
    if agent_state is not None:
        initial = {block.label: block.value for block in agent_state.memory.blocks}
    envelope = None
    try:
        module = {"__name__": "__tool__", "__builtins__": __builtins__}
        # Letta ran tools with typing's names in scope: real tools annotate with List[str] unimported.
        exec("from typing import *", module)
        exec(compile(_request["source"], "<tool>", "exec"), module)
        function = module.get(_request["function"])
        if not callable(function):
            raise NameError("name %r is not defined in the tool's source" % _request["function"])
        arguments = dict(_request.get("args") or {})
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}
        if "agent_state" in parameters:
            arguments["agent_state"] = agent_state
        result = function(**arguments)
        if inspect.isawaitable(result):
            async def _await(awaitable):
                return await awaitable

            result = asyncio.run(_await(result))
        envelope = {"ok": True, "value": _render(result)}
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        envelope = {"ok": False, "error": _error(exc)}
    if agent_state is not None:
        changed = [
            {"label": block.label, "value": block.value}
            for block in agent_state.memory.blocks
            if initial.get(block.label) != block.value
        ]
        envelope["agent_state"] = {"blocks": changed}
    _emit(envelope)


_main()
# Threads the tool left running do not hold the run open.
os._exit(0)
`;
