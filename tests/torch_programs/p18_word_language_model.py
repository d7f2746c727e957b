"""A character-level LSTM language model in the shape of pytorch/examples' word_language_model.

Idioms: a ``Corpus``-like vocabulary, ``batchify`` with ``data.narrow(0, 0, nbatch * bsz)``
and ``data.view(bsz, -1).t().contiguous()``, an ``RNNModel`` with ``nn.Dropout``,
``nn.Embedding`` encoder, ``nn.LSTM(ninp, nhid, nlayers, dropout=dropout)`` (sequence first),
``nn.Linear`` decoder, ``init_weights`` with ``nn.init.uniform_`` / ``nn.init.zeros_``,
``init_hidden`` using ``weight.new_zeros``, ``repackage_hidden`` with ``h.detach()``,
``get_batch`` with ``source[i + 1 : i + 1 + seq_len].view(-1)``, ``model.zero_grad()``,
``torch.nn.utils.clip_grad_norm_``, the manual update ``p.data.add_(p.grad, alpha=-lr)``,
``math.exp(loss)`` perplexity, learning-rate annealing, and greedy generation with
``input.fill_(word_idx)``.

Weights are set from NumPy after ``init_weights`` (whose draws come from each library's own
stream) and dropout is 0 in the compared run.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TEXT = (
    "the quick brown fox jumps over the lazy dog. a perceptron learns a line; "
    "a network of them learns a curve. gradients flow backwards through the graph. "
) * 4
chars = sorted(set(TEXT))
stoi = {ch: i for i, ch in enumerate(chars)}
ntokens = len(chars)
ids = torch.tensor([stoi[ch] for ch in TEXT], dtype=torch.long)
split = int(0.8 * len(ids))
device = torch.device("cpu")


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


batch_size = 4
eval_batch_size = 2
train_data = batchify(ids[:split], batch_size)
val_data = batchify(ids[split:], eval_batch_size)
print("vocabulary", ntokens, "train", tuple(train_data.shape), "val", tuple(val_data.shape))


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.0):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.init_weights()
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (
            weight.new_zeros(self.nlayers, bsz, self.nhid),
            weight.new_zeros(self.nlayers, bsz, self.nhid),
        )


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


bptt = 12


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i : i + seq_len]
    target = source[i + 1 : i + 1 + seq_len].view(-1)
    return data, target


rng = np.random.default_rng(0)
model = RNNModel(ntokens, 12, 24, 1).to(device)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, tuple(p.shape)).astype(np.float32)))
criterion = nn.NLLLoss()
clip = 0.25


def evaluate(data_source):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train(lr):
    model.train()
    total_loss = 0.0
    hidden = model.init_hidden(batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
    return total_loss / (batch + 1)


lr = 5.0
best_val_loss = None
for epoch in range(1, 6):
    train_loss = train(lr)
    val_loss = evaluate(val_data)
    print(
        "| end of epoch {:3d} | lr {:5.2f} | train loss {:5.4f} | valid loss {:5.4f} | "
        "valid ppl {:8.4f}".format(epoch, lr, train_loss, val_loss, math.exp(val_loss))
    )
    if not best_val_loss or val_loss < best_val_loss:
        best_val_loss = val_loss
    else:
        lr /= 4.0

model.eval()
hidden = model.init_hidden(1)
input = torch.tensor([[stoi["t"]]], dtype=torch.long)
generated = []
with torch.no_grad():
    for _ in range(20):
        output, hidden = model(input, hidden)
        word_idx = output[-1].argmax().item()
        input.fill_(word_idx)
        generated.append(word_idx)
print("generated ids", generated)
print("generated text", "".join(chars[k] for k in generated))
