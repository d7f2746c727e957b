"""A recursive (tree-structured) neural network over parse trees (Carrazza deck: "Recursive
neural networks: a variation of recurrent neural network where pairs of layers or nodes are
merged recursively -- successful applications on natural language processing").

A parse tree is a nested pair: a leaf is a word, an internal node is ``(left, right)``. The
network gives every node a vector of size d (Socher et al., 2011)::

    leaf word w:          p = E[w]                              (an embedding row)
    node (left, right):   p = tanh(W [p_left; p_right] + b)      (W: d x 2d, shared by all nodes)
    the tree's class:     y = softmax(V p_root + c)

so one weight matrix W is applied recursively, bottom-up, just as an RNN applies its weights
along a sequence (a sequence is the tree that leans all the way to one side). Backpropagation
through structure is the chain rule down the same tree.

Trees of different shapes are batched by :func:`encode_trees`: each tree is listed in
post-order (children before their parent) and right-aligned, so the root of every tree sits
in the last slot; :class:`RecursiveNet` then computes slot by slot for the whole batch.
:func:`make_sentiment_trees` builds the small data set of the tests and the example: phrases
such as ``("not", ("very", "good"))`` whose sentiment flips with every "not".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import nn, ops
from ..tensor import Tensor

__all__ = ["RecursiveNet", "encode_trees", "make_sentiment_trees", "tree_size"]

Tree = str | tuple["Tree", "Tree"]

PAD = "<pad>"
SENTIMENT_WORDS = {"good": 1, "great": 1, "fine": 1, "bad": -1, "awful": -1, "poor": -1}
MODIFIERS = ("not", "very", "really")


def tree_size(tree: Tree) -> int:
    """Number of nodes (leaves and internal nodes) of a binary tree."""
    if isinstance(tree, str):
        return 1
    left, right = tree
    return 1 + tree_size(left) + tree_size(right)


def _post_order(tree: Tree, out: list[tuple[str | None, int, int]]) -> int:
    """Append the nodes of ``tree`` children-first; return the index of its root."""
    if isinstance(tree, str):
        out.append((tree, -1, -1))
        return len(out) - 1
    left = _post_order(tree[0], out)
    right = _post_order(tree[1], out)
    out.append((None, left, right))
    return len(out) - 1


def encode_trees(
    trees: Sequence[Tree], vocabulary: Sequence[str], max_nodes: int | None = None
) -> np.ndarray:
    """Trees -> an int array (n_trees, max_nodes, 3) of (word index, left slot, right slot).

    Each tree is listed in post-order and right-aligned: padding leaves (word ``"<pad>"``,
    index 0 of the vocabulary) fill the first slots, the root is in slot ``max_nodes - 1``.
    A leaf has left = right = -1; an internal node has word index -1.

    Parameters
    ----------
    trees : sequence of trees
        A tree is a word (str) or a pair (left, right) of trees.
    vocabulary : sequence of str
        The words, with ``"<pad>"`` first.
    max_nodes : int, optional
        Slots per tree (default: the largest tree's size).

    Returns
    -------
    ndarray of int64, shape (n_trees, max_nodes, 3)
    """
    if not vocabulary or vocabulary[0] != PAD:
        raise ValueError(f"encode_trees: the vocabulary must start with {PAD!r}")
    index = {w: i for i, w in enumerate(vocabulary)}
    sizes = [tree_size(t) for t in trees]
    m = max(sizes) if max_nodes is None else max_nodes
    if sizes and max(sizes) > m:
        raise ValueError(f"encode_trees: a tree has {max(sizes)} nodes, max_nodes={m}")
    out = np.zeros((len(trees), m, 3), dtype=np.int64)
    out[:, :, 1:] = -1
    for n, tree in enumerate(trees):
        nodes: list[tuple[str | None, int, int]] = []
        _post_order(tree, nodes)
        shift = m - len(nodes)
        for k, (word, left, right) in enumerate(nodes):
            if word is None:
                out[n, shift + k] = (-1, left + shift, right + shift)
            elif word not in index:
                raise ValueError(f"encode_trees: word {word!r} is not in the vocabulary")
            else:
                out[n, shift + k, 0] = index[word]
    return out


class RecursiveNet(nn.Module):
    """Recursive neural network: p = tanh(W [p_left; p_right] + b) up a parse tree,
    leaves p = E[word], class scores V p_root + c.

    Parameters
    ----------
    vocabulary_size : int
        Rows of the embedding E (index 0 is the padding word).
    embedding_dim : int
        d, the size of every node vector.
    n_classes : int
        Outputs of the classifier on the root (logits, for ``nn.CrossEntropyLoss``).

    Attributes
    ----------
    embedding : nn.Embedding
        E, (vocabulary_size, d).
    compose : nn.Linear
        W and b, (d, 2 d) and (d,): one composition for every internal node.
    classifier : nn.Linear
        V and c, (n_classes, d).

    Notes
    -----
    ``forward`` takes the output of :func:`encode_trees` (as ints, or as floats as
    ``rb.fit`` passes it), shape (N, M, 3). For slot k = 0 .. M-1, for the whole batch at
    once::

        p_k = E[word_k]                                        where slot k is a leaf
        p_k = tanh(W [p_{left_k}; p_{right_k}] + b)            where it is a node

    and returns V p_{M-1} + c. Children come before parents in post-order, so every p
    a node needs is ready when it is reached.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> from rosenblatt.models.recursive import RecursiveNet, encode_trees
    >>> vocab = ["<pad>", "not", "good"]
    >>> X = encode_trees([("not", "good"), "good"], vocab)
    >>> RecursiveNet(len(vocab), 4, 2)(X).shape
    (2, 2)
    """

    def __init__(self, vocabulary_size: int, embedding_dim: int = 8, n_classes: int = 2) -> None:
        super().__init__()
        self.in_features = 3  # each slot of the input is a triple (word, left, right)
        self.embedding = nn.Embedding(vocabulary_size, embedding_dim)
        self.compose = nn.Linear(2 * embedding_dim, embedding_dim)
        self.classifier = nn.Linear(embedding_dim, n_classes)

    def node_vectors(self, trees: Any) -> list[Tensor]:
        """p_k for every slot k: a list of M tensors of shape (N, d)."""
        arr = np.asarray(trees.numpy() if isinstance(trees, Tensor) else trees)
        codes = np.rint(arr).astype(np.int64).reshape(arr.shape[0], -1, 3)
        n, m, _ = codes.shape
        rows = np.arange(n)
        p: list[Tensor] = []
        for k in range(m):
            word, left, right = codes[:, k, 0], codes[:, k, 1], codes[:, k, 2]
            leaf = word >= 0
            vec = self.embedding(np.where(leaf, word, 0))
            if not leaf.all():
                done = ops.stack(p, 1)  # (N, k, d): the slots computed so far
                pair = ops.cat(
                    [done[rows, np.where(leaf, 0, left)], done[rows, np.where(leaf, 0, right)]],
                    1,
                )
                node = ops.tanh(self.compose(pair))
                vec = ops.where(leaf[:, None], vec, node)
            p.append(vec)
        return p

    def forward(self, trees: Any) -> Tensor:
        return self.classifier(self.node_vectors(trees)[-1])


def make_sentiment_trees(
    n_trees: int, max_modifiers: int = 3, random_state: Any = None
) -> tuple[list[Tree], np.ndarray, list[str]]:
    """A small parse-tree data set: modifier phrases and their sentiment.

    Each phrase is a sentiment word under 0 to ``max_modifiers`` modifiers, parsed as a
    right-branching tree: ``("not", ("very", "good"))`` is "not very good". "good",
    "great", "fine" are positive, "bad", "awful", "poor" negative; "not" flips the sign,
    "very" and "really" keep it. The label is 1 for a positive phrase, else 0. A bag of
    words cannot learn it (the sign depends on the parity of the "not"s); a recursive net,
    which composes the words in the tree's order, can.

    Parameters
    ----------
    n_trees : int
    max_modifiers : int
    random_state : None, int or numpy Generator

    Returns
    -------
    trees : list of trees
    labels : ndarray of int64, shape (n_trees,)
    vocabulary : list of str
        ``["<pad>", modifiers..., sentiment words...]`` for :func:`encode_trees`.
    """
    rng = np.random.default_rng(random_state)
    words = list(SENTIMENT_WORDS)
    trees: list[Tree] = []
    labels = np.empty(n_trees, dtype=np.int64)
    for n in range(n_trees):
        word = words[rng.integers(len(words))]
        tree: Tree = word
        sign = SENTIMENT_WORDS[word]
        for _ in range(rng.integers(0, max_modifiers + 1)):
            modifier = MODIFIERS[rng.integers(len(MODIFIERS))]
            tree = (modifier, tree)
            sign = -sign if modifier == "not" else sign
        trees.append(tree)
        labels[n] = int(sign > 0)
    return trees, labels, [PAD, *MODIFIERS, *words]
