"""A small builder for one ONNX graph: named constants, nodes with unique output names."""

from __future__ import annotations

from typing import Any

import numpy as np


class Graph:
    """The nodes and constants (initializers) of the graph being written.

    Every name is made unique by a counter (``linear_3``), so converters name their outputs
    after what they compute without checking for clashes.
    """

    def __init__(self, dtype: np.dtype) -> None:
        import onnx.helper

        self.helper = onnx.helper
        self.dtype = np.dtype(dtype)  # the float type of the model's tensors
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: dict[str, int] = {}

    # the graph's input and output names: no intermediate value takes them
    RESERVED = frozenset({"input", "output", "h_n", "c_n", "label", "probabilities", "prediction"})

    def name(self, base: str) -> str:
        n = self._used.get(base, 1 if base in self.RESERVED else 0)
        self._used[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def const(self, value: Any, base: str, dtype: Any = None) -> str:
        """A constant tensor (float constants in the graph's dtype unless told)."""
        from onnx import numpy_helper

        arr = np.asarray(value)
        if dtype is not None:
            arr = arr.astype(dtype)
        elif arr.dtype.kind == "f":
            arr = arr.astype(self.dtype)
        name = self.name(base)
        if arr.dtype.kind in "USO":  # text labels
            texts = [str(v).encode("utf-8") for v in arr.ravel()]
            tensor = self.helper.make_tensor(name, 8, arr.shape, texts)  # type: ignore[arg-type]
        else:
            tensor = numpy_helper.from_array(np.ascontiguousarray(arr), name)
        self.initializers.append(tensor)
        return name

    def node(self, op: str, inputs: list[str], base: str, n_out: int = 1, **attrs: Any) -> Any:
        """Add ``op(inputs)``; returns its output name (a list of names for ``n_out > 1``)."""
        outputs = [self.name(base if i == 0 else f"{base}_out{i}") for i in range(n_out)]
        self.nodes.append(
            self.helper.make_node(op, inputs, outputs, name=self.name(f"{op}_node"), **attrs)
        )
        return outputs[0] if n_out == 1 else outputs

    def rename(self, name: str, new: str) -> None:
        """Give the output ``name`` of a node the graph-output name ``new``."""
        for node in self.nodes:
            node.output[:] = [new if o == name else o for o in node.output]
            node.input[:] = [new if i == name else i for i in node.input]
