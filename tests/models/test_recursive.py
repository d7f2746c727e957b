"""The recursive neural network (Carrazza deck) over a small parse-tree data set: the batched,
slot-by-slot forward equals a plain recursive torch implementation (outputs and every
gradient), and trained with rb.fit it learns a composition (negation) that a bag of words
cannot."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

import rosenblatt as rb
from rosenblatt.models.recursive import (
    RecursiveNet,
    encode_trees,
    make_sentiment_trees,
    tree_size,
)


def test_encoding_is_post_order_and_right_aligned():
    vocab = ["<pad>", "not", "very", "good"]
    X = encode_trees([("not", ("very", "good")), "good"], vocab)
    assert X.shape == (2, 5, 3)
    # "not very good": not, very, good, (very good), (not (very good))
    np.testing.assert_array_equal(
        X[0], [[1, -1, -1], [2, -1, -1], [3, -1, -1], [-1, 1, 2], [-1, 0, 3]]
    )
    # "good": four padding leaves, then the word in the root slot
    np.testing.assert_array_equal(X[1], [[0, -1, -1]] * 4 + [[3, -1, -1]])
    assert tree_size(("not", ("very", "good"))) == 5
    with pytest.raises(ValueError, match="not in the vocabulary"):
        encode_trees(["bad"], vocab)


def torch_recursive(tree, index, E, W, b):
    """p(leaf) = E[w];  p(l, r) = tanh(W [p(l); p(r)] + b) -- plain recursion, one tree."""
    if isinstance(tree, str):
        return E[index[tree]]
    return torch.tanh(W @ torch.cat([torch_recursive(t, index, E, W, b) for t in tree]) + b)


def test_outputs_and_gradients_equal_a_recursive_torch_implementation():
    trees, labels, vocab = make_sentiment_trees(12, max_modifiers=3, random_state=0)
    rb.manual_seed(0)
    net = RecursiveNet(len(vocab), embedding_dim=5, n_classes=2).double()
    X = encode_trees(trees, vocab)
    loss = rb.nn.functional.cross_entropy(net(X), rb.tensor(labels))
    loss.backward()

    P = {k: torch.tensor(v.numpy(), requires_grad=True) for k, v in net.named_parameters()}
    index = {w: i for i, w in enumerate(vocab)}
    roots = torch.stack(
        [
            torch_recursive(t, index, P["embedding.weight"], P["compose.weight"], P["compose.bias"])
            for t in trees
        ]
    )
    logits = roots @ P["classifier.weight"].T + P["classifier.bias"]
    t_loss = torch.nn.functional.cross_entropy(logits, torch.tensor(labels))
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), P[name].grad.numpy(), rtol=1e-10, atol=1e-14)


def test_recursive_net_learns_negation_that_a_bag_of_words_cannot():
    trees, labels, vocab = make_sentiment_trees(900, max_modifiers=3, random_state=1)
    X = encode_trees(trees, vocab).astype(np.float32)  # (N, M, 3)
    train, test = slice(0, 600), slice(600, None)
    rb.manual_seed(0)
    net = RecursiveNet(len(vocab), embedding_dim=8, n_classes=2)
    opt = rb.optim.Adam(net.parameters(), lr=0.05)
    rb.fit(net, X[train], labels[train], optimizer=opt, epochs=40, batch_size=50, verbose=0)
    with rb.no_grad():
        accuracy = float((net(X[test]).numpy().argmax(1) == labels[test]).mean())
    assert accuracy > 0.95

    def flat(t):
        return t if isinstance(t, str) else " ".join(flat(s) for s in t)

    counts = CountVectorizer().fit([flat(t) for t in trees])
    B = counts.transform([flat(t) for t in trees])
    bow = LogisticRegression(max_iter=1000).fit(B[:600], labels[train])
    assert bow.score(B[600:], labels[test]) < 0.8
