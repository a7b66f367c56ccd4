# PyTorch side of `npm run bench:train`: the lectures' MLP (makemore part 4, exercise 4) trained with the
# same seeded draws as makemore-ts — every random number from one torch.Generator: C, W1, b1, W2, b2,
# bngain, bnbias, then randint per step; split with random.seed(42) — and the hand-written backward of
# the lecture under torch.no_grad(), on THREADS threads (default 1). Prints one JSON line: seconds of the
# loop, split losses, and the BLAS library the process loaded (Debian's torch calls whichever libblas.so.3
# the system's alternatives point to: OpenBLAS with libopenblas0-pthread, else the slow reference BLAS).
# Usage: torch_train.py STEPS SEED NAMES_FILE [THREADS]
import sys, time, random, json, re
import torch, torch.nn.functional as F
steps, seed, names = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
block_size, n_embd, n_hidden, n = 3, 10, 200, 32
words = open(names).read().splitlines()
chars = sorted(set(''.join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}; stoi['.'] = 0
V = len(stoi)
def build(ws):
    X, Y = [], []
    for w in ws:
        ctx = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]; X.append(ctx); Y.append(ix); ctx = ctx[1:] + [ix]
    return torch.tensor(X).view(-1, block_size), torch.tensor(Y)
random.seed(42); random.shuffle(words)
n1 = int(0.8 * len(words)); n2 = int(0.9 * len(words))
Xtr, Ytr = build(words[:n1]); Xdev, Ydev = build(words[n1:n2]); Xte, Yte = build(words[n2:])
g = torch.Generator().manual_seed(seed)
fan_in = n_embd * block_size
C = torch.randn((V, n_embd), generator=g)
W1 = torch.randn((fan_in, n_hidden), generator=g) * (5/3) / (fan_in ** 0.5)
b1 = torch.randn(n_hidden, generator=g) * 0.1
W2 = torch.randn((n_hidden, V), generator=g) * 0.1
b2 = torch.randn(V, generator=g) * 0.1
bngain = torch.randn((1, n_hidden), generator=g) * 0.1 + 1.0
bnbias = torch.randn((1, n_hidden), generator=g) * 0.1
params = [C, W1, b1, W2, b2, bngain, bnbias]
t0 = time.perf_counter()
with torch.no_grad():
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (n,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]; embcat = emb.view(n, -1)
        hprebn = embcat @ W1 + b1
        bnmean = hprebn.mean(0, keepdim=True); bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5) ** -0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        dlogits = F.softmax(logits, 1); dlogits[range(n), Yb] -= 1; dlogits /= n
        dh = dlogits @ W2.T; dW2 = h.T @ dlogits; db2 = dlogits.sum(0)
        dhpreact = (1.0 - h**2) * dh
        dbngain = (bnraw * dhpreact).sum(0, keepdim=True); dbnbias = dhpreact.sum(0, keepdim=True)
        dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))
        dembcat = dhprebn @ W1.T; dW1 = embcat.T @ dhprebn; db1 = dhprebn.sum(0)
        dC = torch.zeros_like(C); dC.index_add_(0, Xb.view(-1), dembcat.view(-1, n_embd))
        lr = 0.1 if i < 100000 else 0.01
        for p, gr in zip(params, [dC, dW1, db1, dW2, db2, dbngain, dbnbias]): p += -lr * gr
        if i == steps - 1: last = loss.item()
t1 = time.perf_counter()
with torch.no_grad():
    hp = C[Xtr].view(Xtr.shape[0], -1) @ W1 + b1
    m = hp.mean(0, keepdim=True); v = hp.var(0, keepdim=True, unbiased=True)
    def split_loss(x, y):
        hpre = C[x].view(x.shape[0], -1) @ W1 + b1
        hpre = bngain * (hpre - m) * (v + 1e-5) ** -0.5 + bnbias
        return F.cross_entropy(torch.tanh(hpre) @ W2 + b2, y).item()
    libs = set(re.findall(r"/(lib(?:open)?blas[^/\s]*\.so[.0-9]*)", open("/proc/self/maps").read()))
    blas = "OpenBLAS" if any("openblas" in l for l in libs) else ("reference BLAS" if libs else "unknown")
    print(json.dumps(dict(torch=torch.__version__, threads=torch.get_num_threads(), blas=blas, steps=steps, seconds=t1 - t0,
                          last_loss=last, train=split_loss(Xtr, Ytr), val=split_loss(Xdev, Ydev), test=split_loss(Xte, Yte))))
