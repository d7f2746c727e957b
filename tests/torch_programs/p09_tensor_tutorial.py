"""Tensors as the tutorial introduces them: factories, attributes, indexing, joins, NumPy.

Idioms of "Tensors" (learn the basics and the blitz): ``torch.tensor(data)``,
``torch.from_numpy``, ``torch.ones_like``, ``torch.rand_like(x, dtype=torch.float)``,
``torch.rand/ones/zeros(shape)``, ``.shape/.dtype/.device``, ``tensor[0]``, ``tensor[:, 0]``,
``tensor[..., -1]``, ``tensor[:, 1] = 0``, ``torch.cat(dim=1)``, ``torch.stack``, the three
ways to multiply (``@``, ``.matmul``, ``torch.matmul(..., out=)``) and to multiply
elementwise, ``agg.item()``, in-place ``add_``, ``mul_`` and ``sub_``, and memory shared
between ``t.numpy()`` / ``torch.from_numpy(n)`` and their NumPy arrays.
"""

import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print("from data", x_data.tolist(), x_data.dtype == torch.int64)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print("from numpy", x_np.tolist())
x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)
print("rand_like in [0, 1):", bool(((x_rand >= 0) & (x_rand < 1)).all()), tuple(x_rand.shape))

shape = (2, 3)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print("rand shape", tuple(rand_tensor.shape))
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")
print(f"Datatype of tensor: {ones_tensor.dtype}")
print(f"Device tensor is stored on: {ones_tensor.device}")
print("float32", ones_tensor.dtype == torch.float32, "cpu", ones_tensor.device.type == "cpu")

tensor = torch.arange(16, dtype=torch.float32).reshape(4, 4)
print(f"First row: {tensor[0].tolist()}")
print(f"First column: {tensor[:, 0].tolist()}")
print(f"Last column: {tensor[..., -1].tolist()}")
tensor[:, 1] = 0
print(tensor.tolist())

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print("cat", tuple(t1.shape), t1[1].tolist())
t2 = torch.stack([tensor, tensor], dim=0)
print("stack", tuple(t2.shape), t2.sum().item())

y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print("matmul", y1.tolist(), torch.equal(y1, y2), torch.equal(y1, y3))
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print("mul", z1.tolist(), torch.equal(z1, z2), torch.equal(z1, z3))

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item).__name__)

print(f"{tensor.tolist()} \n")
tensor.add_(5)
print(tensor.tolist())
tensor.mul_(2).sub_(1)
print(tensor.tolist())

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
print("float64 kept", t.dtype == torch.float64)

v = torch.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
print("unsqueeze", tuple(v.unsqueeze(0).shape), "squeeze", tuple(v.unsqueeze(1).squeeze(1).shape))
print("transpose", v.transpose(0, 1).tolist(), "permute", tuple(v.permute(1, 0).shape))
print(
    "abs sum",
    v.abs().sum().item(),
    "mean",
    v.mean(dim=0).tolist(),
    "clamp",
    v.clamp(min=0).tolist(),
)
print("numel", v.numel(), "size(1)", v.size(1), "dim", v.dim())
