#!/usr/bin/env python3
"""PyTorch baseline of bench_train: the same ViT (7x7 patches of 28x28, CLS token,
learned positions, L pre-LN blocks with softmax attention and a GELU MLP, final LN,
linear head, cross-entropy) and the same AdamW step, written the straightforward
way, timed on random images; with --task fortunes the causal language model (byte
embedding, learned positions, the same blocks with a causal mask, final LN, an untied
head on every position, mean next-byte cross-entropy) on random bytes. Prints one line that bench_train parses:

    torch_train: step_s S peak_rss_mb M cpu_s C

(S: the median step's wall time, C: its CPU time, every thread's.)

Runs only if `import torch` works (Debian's python3-torch); otherwise says so and
exits 0.

    /usr/bin/python3 bench/torch_train.py [--width 64] [--depth 4] [--heads 4] [--batch 128]
                                     [--steps 20] [--threads 1] [--task fmnist|fortunes]
                                     [--context 64] [--kv-heads K] [--rope THETA|none]
                                     [--rope-pairing interleaved|half]

--kv-heads: grouped-query attention (W_K, W_V of K d/H columns, query head h reading
K/V head h // (H/K)); --rope: rotary embeddings on Q and K with the convention of
docs/train.md.
"""
import argparse
import resource
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=0, help="K/V heads (0: --heads)")
    ap.add_argument("--rope", default="none", help="THETA or none")
    ap.add_argument("--rope-pairing", default="interleaved", choices=["interleaved", "half"])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--task", default="fmnist", choices=["fmnist", "fortunes"])
    ap.add_argument("--context", type=int, default=64)
    args = ap.parse_args()
    # the thread pools under torch (OpenMP, and OpenBLAS in Debian's build, which
    # torch.set_num_threads does not govern) get the same count, before torch loads
    import os
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError:
        print("torch_train: PyTorch is not installed (apt-get install python3-torch); skipping")
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    d, L, H, B = args.width, args.depth, args.heads, args.batch
    K = args.kv_heads or H  # grouped-query attention: query head h reads K/V head h // (H/K)
    dh = d // H
    if H % K or d % H:
        ap.error("--kv-heads must divide --heads, --heads --width")

    T = args.context
    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if args.task == "fortunes" else None
    # RoPE as docs/train.md has it: pair k of a head turned by pos theta^(-2k/dh) at the
    # token's position (text 0..T-1; image the token index, CLS 0), pairs (2k, 2k+1)
    # (interleaved) or (k, k + dh/2) (half)
    ntok = T if args.task == "fortunes" else 17
    if args.rope != "none":
        if dh % 2:
            ap.error("--rope needs an even head dim")
        inv = float(args.rope) ** (-torch.arange(0, dh // 2, dtype=torch.float64) * 2 / dh)
        ang = torch.arange(ntok, dtype=torch.float64)[:, None] * inv[None, :]
        cos, sin = ang.cos().float(), ang.sin().float()
    half = args.rope_pairing == "half"

    def rope(z):  # z: (b, heads, t, dh)
        if args.rope == "none":
            return z
        if half:
            a, b = z[..., : dh // 2], z[..., dh // 2:]
            return torch.cat([a * cos - b * sin, a * sin + b * cos], -1)
        a, b = z[..., 0::2], z[..., 1::2]
        return torch.stack([a * cos - b * sin, a * sin + b * cos], -1).flatten(-2)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.o = nn.Linear(d, d + 2 * K * dh), nn.Linear(d, d)
            self.w1, self.w2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

        def forward(self, x):
            b, t, _ = x.shape
            q, k, v = self.qkv(self.n1(x)).split([d, K * dh, K * dh], dim=-1)
            q = rope(q.view(b, t, H, dh).transpose(1, 2))
            k = rope(k.view(b, t, K, dh).transpose(1, 2))
            v = v.view(b, t, K, dh).transpose(1, 2)
            if K != H:
                k, v = k.repeat_interleave(H // K, 1), v.repeat_interleave(H // K, 1)
            s = q @ k.transpose(-1, -2) / dh ** 0.5
            if causal is not None:
                s = s.masked_fill(causal, float("-inf"))
            a = torch.softmax(s, dim=-1)
            x = x + self.o((a @ v).transpose(1, 2).reshape(b, t, d))
            return x + self.w2(F.gelu(self.w1(self.n2(x))))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.pe = nn.Linear(49, d)
            self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.02)
            self.pos = nn.Parameter(torch.randn(1, 17, d) * 0.02)
            self.blocks = nn.ModuleList(Block() for _ in range(L))
            self.nf = nn.LayerNorm(d)
            self.head = nn.Linear(d, 10)

        def forward(self, img):
            p = img.view(-1, 4, 7, 4, 7).permute(0, 1, 3, 2, 4).reshape(-1, 16, 49)
            x = torch.cat([self.cls.expand(img.shape[0], -1, -1), self.pe(p)], 1) + self.pos
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.nf(x)[:, 0])

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.te = nn.Embedding(256, d)
            self.pos = nn.Parameter(torch.randn(1, T, d) * 0.02)
            self.blocks = nn.ModuleList(Block() for _ in range(L))
            self.nf = nn.LayerNorm(d)
            self.head = nn.Linear(d, 256)

        def forward(self, seq):
            x = self.te(seq) + self.pos
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.nf(x))

    text = args.task == "fortunes"
    model = LM() if text else ViT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    if text:
        seq = torch.randint(0, 256, (B, T + 1))
        img, lab = seq[:, :-1], seq[:, 1:].reshape(-1)
    else:
        img = torch.rand(B, 28, 28)
        lab = torch.randint(0, 10, (B,))

    def step():
        opt.zero_grad(set_to_none=True)
        out = model(img)
        loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), lab)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(3):  # warm up
        step()
    times, cpu = [], []
    for _ in range(args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"torch_train: torch {torch.__version__}, {args.task}, d {d}, L {L}, H {H}, {K} K/V heads, "
          f"RoPE {args.rope} {args.rope_pairing}, batch {B}, {args.threads} threads",
          file=sys.stderr)
    print(f"torch_train: step_s {times[len(times) // 2]:.6f} peak_rss_mb {rss:.1f} "
          f"cpu_s {cpu[len(cpu) // 2]:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
