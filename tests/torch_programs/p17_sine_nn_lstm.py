"""Next-value prediction of a noisy sine with nn.LSTM(batch_first=True) and Adam.

Idioms of the many "LSTM time series in PyTorch" tutorials: sliding windows built with NumPy
into tensors of shape (batch, seq, 1), a ``LSTMModel(nn.Module)`` with
``nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)``, explicit ``h0``/``c0``
from ``torch.zeros(self.num_layers, x.size(0), self.hidden_size)``, ``out, (hn, cn) =
self.lstm(x, (h0, c0))``, ``self.fc(out[:, -1, :])``, ``DataLoader`` mini-batches, and an
autoregressive forecast under ``torch.no_grad()`` that appends each prediction to the window
with ``torch.cat``.
"""

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
t = np.arange(0, 120) * 0.2
series = (np.sin(t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
window = 12
X = np.stack([series[i : i + window] for i in range(len(series) - window)])[:, :, None]
y = series[window:][:, None]
dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
loader = DataLoader(dataset, batch_size=27, shuffle=False)


class LSTMModel(nn.Module):
    def __init__(self, input_size=1, hidden_size=12, num_layers=2, output_size=1):
        super(LSTMModel, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        out, (hn, cn) = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


model = LSTMModel()
print([name for name, _ in model.named_parameters()])
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, tuple(p.shape)).astype(np.float32)))
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)

for epoch in range(8):
    model.train()
    epoch_loss = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * xb.size(0)
    print(f"Epoch {epoch + 1}, Loss: {epoch_loss / len(dataset):.6f}")

model.eval()
current = torch.from_numpy(series[-window:].reshape(1, window, 1))
forecast = []
with torch.no_grad():
    for _ in range(5):
        pred = model(current)
        forecast.append(pred.item())
        current = torch.cat([current[:, 1:, :], pred.view(1, 1, 1)], dim=1)
print("forecast", forecast)
print("truth", np.sin(np.arange(120, 125) * 0.2).tolist())
