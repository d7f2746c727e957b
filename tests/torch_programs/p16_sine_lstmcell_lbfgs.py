"""Sine-wave prediction with two stacked nn.LSTMCell in double precision, trained by LBFGS.

Idioms of pytorch/examples' time_sequence_prediction: data ``np.sin(x / 1.0 / T)`` with
shifted phases, ``torch.from_numpy(data[3:, :-1])`` inputs and targets shifted by one,
``seq.double()``, a forward that walks ``input.split(1, dim=1)`` with ``h_t, c_t =
self.lstm1(input_t, (h_t, c_t))``, states made with ``torch.zeros(input.size(0), H,
dtype=torch.double)``, a ``future`` loop feeding predictions back, ``torch.cat(outputs,
dim=1)``; ``optim.LBFGS(seq.parameters(), lr=0.5, max_iter=10)`` stepped with a ``closure``
that prints its loss, and a test prediction under ``torch.no_grad()`` read back with
``.detach().numpy()``.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

HIDDEN = 10


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, HIDDEN)
        self.lstm2 = nn.LSTMCell(HIDDEN, HIDDEN)
        self.linear = nn.Linear(HIDDEN, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)
        c_t = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


rng = np.random.default_rng(0)
T, L, N = 5, 30, 8
x = np.empty((N, L), "int64")
x[:] = np.array(range(L)) + rng.integers(-4 * T, 4 * T, N).reshape(N, 1)
data = np.sin(x / 1.0 / T).astype("float64")

input = torch.from_numpy(data[3:, :-1])
target = torch.from_numpy(data[3:, 1:])
test_input = torch.from_numpy(data[:3, :-1])
test_target = torch.from_numpy(data[:3, 1:])

seq = Sequence()
seq.double()
with torch.no_grad():
    for p in seq.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, tuple(p.shape))))
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=0.5, max_iter=10)
for i in range(2):
    print("STEP: ", i)

    def closure():
        optimizer.zero_grad()
        out = seq(input)
        loss = criterion(out, target)
        print("loss:", loss.item())
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        future = 5
        pred = seq(test_input, future=future)
        loss = criterion(pred[:, :-future], test_target)
        print("test loss:", loss.item())
        y = pred.detach().numpy()
    print("forecast", y[0, -future:].tolist())
