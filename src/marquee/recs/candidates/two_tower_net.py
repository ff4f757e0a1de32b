"""The two-tower network and its training loop (torch; imported only when the extra is present).

Item tower: an id embedding plus a linear map of the item's TF-IDF content tokens, refined by a
residual MLP. User tower: attention- and mean-pooled base embeddings of the user's recent items,
a hashed profile-segment embedding and the history length, through an MLP. Both outputs are
L2-normalised; logits are cosine / temperature. Training is sampled softmax over in-batch
negatives with the log-Q correction (Yi et al., 2019): each column's logit is reduced by the log
of that item's sampling probability, its share of training pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

SEGMENT_BUCKETS = 64


@dataclass(frozen=True)
class NetShape:
    n_items: int
    n_tokens: int
    dim: int


@dataclass(frozen=True)
class TrainConfig:
    epochs: int
    batch_size: int
    lr: float
    temperature: float
    weight_decay: float
    seed: int


def _mlp(inputs: int, dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, dim), nn.ReLU(), nn.Linear(dim, dim))


class TwoTowerNet(nn.Module):
    """Both towers; ``padding`` (= n_items) is the empty history slot."""

    def __init__(self, shape: NetShape, tokens: sp.csr_matrix) -> None:
        super().__init__()
        self.shape = shape
        self.padding = shape.n_items
        self.ids = nn.Embedding(shape.n_items + 1, shape.dim, padding_idx=shape.n_items)
        nn.init.normal_(self.ids.weight, std=0.05)
        with torch.no_grad():
            self.ids.weight[shape.n_items].zero_()
        self.token_map = nn.Linear(max(shape.n_tokens, 1), shape.dim, bias=False)
        nn.init.normal_(self.token_map.weight, std=0.05)
        self.item_mlp = _mlp(shape.dim, shape.dim)
        self.attention = nn.Parameter(torch.zeros(shape.dim))
        self.segments = nn.Embedding(SEGMENT_BUCKETS + 1, shape.dim)
        nn.init.normal_(self.segments.weight, std=0.05)
        self.user_mlp = _mlp(3 * shape.dim + 1, shape.dim)
        self._tokens = _sparse_tensor(tokens, shape)

    def base(self) -> torch.Tensor:
        """Every item's base embedding (id + content), plus a zero row for padding."""
        content = torch.sparse.mm(self._tokens, self.token_map.weight.T)
        pad = torch.zeros(1, self.shape.dim, dtype=content.dtype)
        return self.ids.weight + torch.cat([content, pad])

    def items(self, base: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        embedded = base[items]
        return F.normalize(embedded + self.item_mlp(embedded), dim=-1)

    def users(
        self, base: torch.Tensor, history: torch.Tensor, segment: torch.Tensor
    ) -> torch.Tensor:
        embedded = base[history]  # B × L × d
        present = history != self.padding
        count = present.sum(dim=1, keepdim=True).clamp(min=1)
        mean = (embedded * present.unsqueeze(-1)).sum(dim=1) / count
        weights = (embedded @ self.attention).masked_fill(~present, -1e9)
        weights = torch.softmax(weights, dim=1) * present.any(dim=1, keepdim=True)
        attended = (weights.unsqueeze(-1) * embedded).sum(dim=1)
        length = torch.log1p(present.sum(dim=1, keepdim=True).float())
        features = torch.cat([mean, attended, self.segments(segment), length], dim=1)
        return F.normalize(self.user_mlp(features), dim=-1)


def _sparse_tensor(tokens: sp.csr_matrix, shape: NetShape) -> torch.Tensor:
    coo = sp.coo_matrix(tokens, dtype=np.float32)
    width = max(shape.n_tokens, 1)
    index = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    values = torch.from_numpy(coo.data.astype(np.float32))
    tensor = torch.sparse_coo_tensor(index, values, (shape.n_items, width), check_invariants=True)
    return tensor.coalesce()


def segment_buckets(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Segment codes hashed into buckets; -1 (no segment) gets the last bucket."""
    return np.where(codes >= 0, codes % SEGMENT_BUCKETS, SEGMENT_BUCKETS).astype(np.int64)


def train(
    net: TwoTowerNet,
    histories: npt.NDArray[np.int64],
    segments: npt.NDArray[np.int64],
    pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    config: TrainConfig,
) -> list[float]:
    """Sampled softmax with in-batch negatives and log-Q; returns the mean loss per epoch."""
    users_np, items_np = pairs
    hist = torch.from_numpy(histories)
    seg = torch.from_numpy(segment_buckets(segments))
    users, items = torch.from_numpy(users_np), torch.from_numpy(items_np)
    counts = np.bincount(items_np, minlength=net.shape.n_items).astype(np.float64)
    log_q = torch.from_numpy(np.log(np.maximum(counts, 1.0) / max(len(items_np), 1))).float()
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    losses = []
    for _ in range(config.epochs):
        order = torch.randperm(users.shape[0], generator=generator)
        total = 0.0
        for batch in torch.split(order, config.batch_size):
            loss = _step(
                net,
                (hist, seg),
                users[batch],
                items[batch],
                log_q=log_q,
                temperature=config.temperature,
            )
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            total += float(loss.detach()) * batch.shape[0]
        losses.append(total / max(users.shape[0], 1))
    return losses


def _step(
    net: TwoTowerNet,
    data: tuple[torch.Tensor, torch.Tensor],
    users: torch.Tensor,
    items: torch.Tensor,
    *,
    log_q: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """The loss of one batch of (user, item) pairs; ``data`` is (recent items, segments)."""
    hist, seg = data
    base = net.base()
    history = hist[users]
    # The target must not be visible in the history it is predicted from.
    history = history.masked_fill(history == items.unsqueeze(1), net.padding)
    u = net.users(base, history, seg[users])
    v = net.items(base, items)
    logits = (u @ v.T) / temperature - log_q[items].unsqueeze(0)
    # Another row with the same item is that item, not a negative.
    same = (items.unsqueeze(0) == items.unsqueeze(1)) & ~torch.eye(items.shape[0], dtype=torch.bool)
    logits = logits.masked_fill(same, -1e9)
    return F.cross_entropy(logits, torch.arange(items.shape[0]))


@torch.no_grad()
def item_embeddings(net: TwoTowerNet) -> npt.NDArray[np.float32]:
    net.eval()
    base = net.base()
    out = net.items(base, torch.arange(net.shape.n_items))
    return np.ascontiguousarray(out.numpy(), dtype=np.float32)


@torch.no_grad()
def user_embeddings(
    net: TwoTowerNet, histories: npt.NDArray[np.int64], segments: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    net.eval()
    base = net.base()
    seg = torch.from_numpy(segment_buckets(segments))
    out = net.users(base, torch.from_numpy(histories), seg)
    return np.ascontiguousarray(out.numpy(), dtype=np.float32)


def state_arrays(net: TwoTowerNet) -> dict[str, npt.NDArray[np.float32]]:
    return {name: value.detach().numpy().copy() for name, value in net.state_dict().items()}


def load_arrays(net: TwoTowerNet, arrays: dict[str, npt.NDArray[np.float32]]) -> None:
    net.load_state_dict({name: torch.from_numpy(np.array(v)) for name, v in arrays.items()})
