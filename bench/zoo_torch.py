# PyTorch side of `npm run bench:zoo`: one model type trained in real PyTorch at a given thread count, the
# same model, seed and batches as makemore-ts (both reproduce torch's generator stream), timed after the
# warm-up steps. The data and model sections are a copy of ../shared/reference/make/torch_zoo.py (which
# wrote the parity fixtures in test/fixtures/zoo/ and states the order of every random draw), kept line
# for line so the two can be diffed; that file in turn follows makemore.py (Karpathy's makemore
# repository) and makemore part 5. makemore part 3's deeper network (deep) is not in torch_zoo.py: its
# section is the lecture's own classes and loop as test/fixtures/make/torch_deep.py (which wrote the
# parity fixtures in test/fixtures/deep/) writes them, minus the debugging lines (retain_grad, ud, the
# step-1000 break). This file needs nothing outside itself at run time.
#
# Order of random draws (one generator: the global default one, torch.manual_seed(seed)):
#   zoo types: 1. the split, makemore.py's: rp = torch.randperm(len(words)); test = last min(1000, int(0.1*n))
#              2. the model's parameters, PyTorch's default inits in construction order (below)
#              3. per step: ix = torch.randint(0, len(train), (batch,)); batch = train examples ix
#   wavenet:   1. the split, the lectures': random.seed(42); random.shuffle(words); 80/10/10; block size 8
#              2. the lecture's own inits: Embedding randn, Linear randn/sqrt(fan_in) (last one * 0.1)
#              3. per step: ix = torch.randint(0, Xtr.shape[0], (32,))
#   deep:      the lecture's own generator, g = torch.Generator().manual_seed(seed) (2147483647), for all draws:
#              1. the split as wavenet's, block size 3
#              2. C = randn((V, 10)); each Linear's weight randn((fan_in, fan_out)) / fan_in**0.5; then the last
#                 BatchNorm1d's gamma * 0.1 and every Linear's weight * 5/3
#              3. per step: ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
# Optimizer (zoo): AdamW(lr 5e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay 0.01) on every parameter.
# Optimizer (wavenet, deep): SGD, lr 0.1 (0.01 from step 150000).
#
# Usage: zoo_torch.py --check
#          prints {"torch", "threads", "blas", "blas_libs"}: which BLAS this torch calls (read from the
#          libraries mapped into this process, /proc/self/maps, and torch.__config__.show()).
#        zoo_torch.py TYPE WORDS STEPS WARMUP THREADS [--seed S]
#          prints one JSON line: params, steps/s of steps WARMUP..STEPS-1, the last step's loss, the BLAS.
# The caller sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to THREADS too: Debian's torch calls
# OpenBLAS through the generic BLAS interface, and torch.set_num_threads does not reach OpenBLAS's own
# thread pool.
import argparse, json, math, random, re, time
import torch
import torch.nn as nn
from torch.nn import functional as F


def blas_in_use():
    """('openblas' | 'mkl' | 'reference' | name | 'unknown', [mapped BLAS library paths])."""
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS is loaded and called
    libs = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and re.search(r'lib(open)?blas|libmkl|libblis|libatlas|libcblas', parts[-1]):
                    libs.add(parts[-1])
    except OSError:
        pass
    libs = sorted(libs)
    config = torch.__config__.show()
    if any('openblas' in p for p in libs): kind = 'openblas'
    elif 'BLAS_INFO=mkl' in config or any('libmkl' in p for p in libs): kind = 'mkl'
    elif any('blis' in p for p in libs): kind = 'blis'
    elif any('atlas' in p for p in libs): kind = 'atlas'
    elif any(re.search(r'/libblas\.so', p) for p in libs): kind = 'reference'  # Debian's /usr/lib/<arch>/blas/libblas.so.3
    else: kind = 'unknown'
    return kind, libs


p = argparse.ArgumentParser()
p.add_argument('--check', action='store_true')
p.add_argument('type', nargs='?'); p.add_argument('words', nargs='?')
p.add_argument('steps', nargs='?', type=int); p.add_argument('warmup', nargs='?', type=int)
p.add_argument('threads', nargs='?', type=int)
p.add_argument('--seed', type=int, default=3407)
p.add_argument('--n-layer', type=int, default=4); p.add_argument('--n-head', type=int, default=4)
p.add_argument('--n-embd', type=int, default=64); p.add_argument('--n-embd2', type=int, default=64)
p.add_argument('--batch-size', type=int, default=32); p.add_argument('--lr', type=float, default=5e-4)
p.add_argument('--weight-decay', type=float, default=0.01)
a = p.parse_args()
if a.check:
    kind, libs = blas_in_use()
    print(json.dumps(dict(torch=torch.__version__, threads=torch.get_num_threads(), blas=kind, blas_libs=libs)))
    raise SystemExit(0)
if a.threads is None or a.steps is None or a.warmup is None or not 0 <= a.warmup < a.steps:
    p.error('TYPE WORDS STEPS WARMUP THREADS are required, with 0 <= WARMUP < STEPS')
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

words = [w.strip() for w in open(a.words, encoding='utf-8').read().splitlines()]
words = [w for w in words if w]
chars = sorted(set(''.join(words)))
stoi = {ch: i + 1 for i, ch in enumerate(chars)}
V = len(chars) + 1

# ---------------------------------------------------------------- data
if a.type in ('wavenet', 'deep'):
    block_size = 8 if a.type == 'wavenet' else 3
    stoi['.'] = 0
    random.seed(42); random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    def build(ws):
        X, Y = [], []
        for w in ws:
            ctx = [0] * block_size
            for ch in w + '.':
                ix = stoi[ch]; X.append(ctx); Y.append(ix); ctx = ctx[1:] + [ix]
        return torch.tensor(X).view(-1, block_size), torch.tensor(Y)
    Xtr, Ytr = build(words[:n1])
else:
    max_len = max(len(w) for w in words)
    block_size = max_len + 1
    test_n = min(1000, int(len(words) * 0.1))
    rp = torch.randperm(len(words)).tolist()
    train_words = [words[i] for i in rp[:-test_n]]
    def build(ws):
        X = torch.zeros(len(ws), block_size, dtype=torch.long)
        Y = torch.full((len(ws), block_size), -1, dtype=torch.long)
        for r, w in enumerate(ws):
            ix = torch.tensor([stoi[c] for c in w], dtype=torch.long)
            X[r, 1:1 + len(ix)] = ix
            Y[r, :len(ix)] = ix
            Y[r, len(ix)] = 0
        return X, Y
    Xtr, Ytr = build(train_words)

def report(nparams, seconds, loss):
    kind, libs = blas_in_use()
    print(json.dumps(dict(type=a.type, torch=torch.__version__, threads=torch.get_num_threads(), blas=kind, blas_libs=libs,
                          params=nparams, steps=a.steps, warmup=a.warmup, seconds=seconds,
                          steps_per_s=(a.steps - a.warmup) / seconds, last_loss=loss.item())))

# ---------------------------------------------------------------- deep: makemore part 3's classes and training loop
class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.randn((fan_in, fan_out), generator=g) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None
    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out
    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])

class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps; self.momentum = momentum; self.training = True
        self.gamma = torch.ones(dim); self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim); self.running_var = torch.ones(dim)
    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True); xvar = x.var(0, keepdim=True)
        else:
            xmean = self.running_mean; xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out
    def parameters(self):
        return [self.gamma, self.beta]

class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x); return self.out
    def parameters(self):
        return []

if a.type == 'deep':
    g = torch.Generator().manual_seed(a.seed)
    n_embd = 10; n_hidden = 100; vocab_size = V
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers = [Linear(n_embd * block_size, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh()]
    for _ in range(4):
        layers += [Linear(n_hidden, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh()]
    layers += [Linear(n_hidden, vocab_size, bias=False), BatchNorm1d(vocab_size)]
    with torch.no_grad():
        layers[-1].gamma *= 0.1  # last layer: make less confident
        for layer in layers[:-1]:  # all other layers: apply gain
            if isinstance(layer, Linear):
                layer.weight *= 5 / 3
    parameters = [C] + [p for layer in layers for p in layer.parameters()]
    for p_ in parameters: p_.requires_grad = True

    # the lecture's loop, minus its debugging lines (retain_grad, the ud record, the step-1000 break) and its print
    lossi = []
    t0 = None
    for i in range(a.steps):
        if i == a.warmup: t0 = time.perf_counter()
        ix = torch.randint(0, Xtr.shape[0], (a.batch_size,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        x = emb.view(emb.shape[0], -1)
        for layer in layers:
            x = layer(x)
        loss = F.cross_entropy(x, Yb)
        for p_ in parameters: p_.grad = None
        loss.backward()
        lr = 0.1 if i < 150000 else 0.01
        for p_ in parameters: p_.data += -lr * p_.grad
        lossi.append(loss.log10().item())
    report(sum(p_.nelement() for p_ in parameters), time.perf_counter() - t0, loss)
    raise SystemExit(0)

# ---------------------------------------------------------------- models (PyTorch default inits)
E, E2 = a.n_embd, a.n_embd2

class NewGELU(nn.Module):
    def forward(self, x):  # the tanh approximation (GPT-2)
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

class SelfAttention(nn.Module):  # causal, multi-head
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(E, 3 * E)
        self.c_proj = nn.Linear(E, E)
        self.register_buffer('mask', torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))
    def forward(self, x):
        B, T, C = x.size(); nh = a.n_head
        q, k, v = self.c_attn(x).split(E, dim=2)
        q = q.view(B, T, nh, C // nh).transpose(1, 2)
        k = k.view(B, T, nh, C // nh).transpose(1, 2)
        v = v.view(B, T, nh, C // nh).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(E); self.attn = SelfAttention(); self.ln_2 = nn.LayerNorm(E)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(E, 4 * E), c_proj=nn.Linear(4 * E, E)))
        self.gelu = NewGELU()
    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(self.gelu(self.mlp.c_fc(self.ln_2(x))))

class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(V, E), wpe=nn.Embedding(block_size, E),
                                              h=nn.ModuleList([Block() for _ in range(a.n_layer)]), ln_f=nn.LayerNorm(E)))
        self.lm_head = nn.Linear(E, V, bias=False)
    def forward(self, idx):
        t = self.transformer
        pos = torch.arange(0, idx.size(1), dtype=torch.long).unsqueeze(0)
        x = t.wte(idx) + t.wpe(pos)
        for blk in t.h: x = blk(x)
        return self.lm_head(t.ln_f(x))

class BoWBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(E, E2), c_proj=nn.Linear(E2, E)))
        self.register_buffer('mask', torch.tril(torch.ones(block_size, block_size)).view(1, block_size, block_size))
    def forward(self, x):
        B, T, C = x.size()
        att = torch.zeros((B, T, T)).masked_fill(self.mask[:, :T, :T] == 0, float('-inf'))
        x = x + F.softmax(att, dim=-1) @ x
        return x + self.mlp.c_proj(torch.tanh(self.mlp.c_fc(x)))

class BoW(nn.Module):  # causal bag of words: each position averages the embeddings up to itself
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, E); self.wpe = nn.Embedding(block_size, E)
        self.context_block = BoWBlock()
        self.lm_head = nn.Linear(E, V)
    def forward(self, idx):
        pos = torch.arange(0, idx.size(1), dtype=torch.long).unsqueeze(0)
        return self.lm_head(self.context_block(self.wte(idx) + self.wpe(pos)))

class RNNCell(nn.Module):  # Elman: h = tanh(W [x; h_prev] + b)
    def __init__(self):
        super().__init__()
        self.xh_to_h = nn.Linear(E + E2, E2)
    def forward(self, xt, hprev):
        return torch.tanh(self.xh_to_h(torch.cat([xt, hprev], dim=1)))

class GRUCell(nn.Module):  # Cho et al. 2014
    def __init__(self):
        super().__init__()
        self.xh_to_z = nn.Linear(E + E2, E2); self.xh_to_r = nn.Linear(E + E2, E2); self.xh_to_hbar = nn.Linear(E + E2, E2)
    def forward(self, xt, hprev):
        xh = torch.cat([xt, hprev], dim=1)
        r = torch.sigmoid(self.xh_to_r(xh))
        hbar = torch.tanh(self.xh_to_hbar(torch.cat([xt, r * hprev], dim=1)))
        z = torch.sigmoid(self.xh_to_z(xh))
        return (1 - z) * hprev + z * hbar

class RNN(nn.Module):  # a recurrent cell over the sequence, hidden state E2, learned start state
    def __init__(self, gru):
        super().__init__()
        self.start = nn.Parameter(torch.zeros(1, E2))
        self.wte = nn.Embedding(V, E)
        self.cell = GRUCell() if gru else RNNCell()
        self.lm_head = nn.Linear(E2, V)
    def forward(self, idx):
        emb = self.wte(idx)
        hprev = self.start.expand((idx.size(0), -1))
        hs = []
        for i in range(idx.size(1)):
            hprev = self.cell(emb[:, i, :], hprev)
            hs.append(hprev)
        return self.lm_head(torch.stack(hs, 1))

class MLP(nn.Module):  # Bengio et al. 2003 over the whole context; token V is the <BLANK> before the word
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V + 1, E)
        self.mlp = nn.Sequential(nn.Linear(block_size * E, E2), nn.Tanh(), nn.Linear(E2, V))
    def forward(self, idx):
        embs = []
        for k in range(block_size):
            embs.append(self.wte(idx))
            idx = torch.roll(idx, 1, 1); idx[:, 0] = V
        return self.mlp(torch.cat(embs, -1))

class Bigram(nn.Module):
    def __init__(self):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros((V, V)))
    def forward(self, idx):
        return self.logits[idx]

class WaveNet(nn.Module):  # makemore part 5: the lecture's own layers, pairs of characters fused level by level
    def __init__(self, n_embd=24, n_hidden=128):
        super().__init__()
        self.P = P = {}  # parameters registered under the names C, W0, gamma0, beta0, ..., Wout, bout
        def reg(name, t): P[name] = nn.Parameter(t); self.register_parameter(name, P[name])
        reg('C', torch.randn((V, n_embd)))
        fan = [n_embd * 2, n_hidden * 2, n_hidden * 2]
        for l in range(3):
            reg(f'W{l}', torch.randn((fan[l], n_hidden)) / fan[l] ** 0.5)
            reg(f'gamma{l}', torch.ones(n_hidden)); reg(f'beta{l}', torch.zeros(n_hidden))
        reg('Wout', torch.randn((n_hidden, V)) / n_hidden ** 0.5 * 0.1)
        reg('bout', torch.zeros(V))
        self.running = [(torch.zeros(n_hidden), torch.ones(n_hidden)) for _ in range(3)]
    def forward(self, idx):
        P = self.P; x = P['C'][idx]  # (B, 8, E)
        for l in range(3):
            B, T, C = x.shape
            x = x.view(B, T // 2, C * 2)
            if x.shape[1] == 1: x = x.squeeze(1)
            x = x @ P[f'W{l}']
            dim = (0, 1) if x.ndim == 3 else 0
            mean = x.mean(dim, keepdim=True); var = x.var(dim, keepdim=True)  # unbiased, as the lecture
            with torch.no_grad():
                rm, rv = self.running[l]
                rm.mul_(0.9).add_(0.1 * mean.view(-1)); rv.mul_(0.9).add_(0.1 * var.view(-1))
            x = torch.tanh(P[f'gamma{l}'] * (x - mean) / torch.sqrt(var + 1e-5) + P[f'beta{l}'])
        return x @ P['Wout'] + P['bout']

model = {'transformer': Transformer, 'bow': BoW, 'rnn': lambda: RNN(False), 'gru': lambda: RNN(True),
         'mlp': MLP, 'bigram': Bigram, 'wavenet': WaveNet}[a.type]()
nparams = sum(p.numel() for p in model.parameters())
if a.type == 'wavenet':
    opt = None
else:
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay, betas=(0.9, 0.99), eps=1e-8)

def batch():
    ix = torch.randint(0, Xtr.shape[0], (a.batch_size,))
    return Xtr[ix], Ytr[ix]

def loss_of(X, Y):
    logits = model(X)
    return F.cross_entropy(logits.view(-1, logits.size(-1)), Y.view(-1), ignore_index=-1)

# ---------------------------------------------------------------- the timed loop (torch_zoo.py's, minus its recording)
t0 = None
for step in range(a.steps):
    if step == a.warmup: t0 = time.perf_counter()
    X, Y = batch()
    loss = loss_of(X, Y)
    if opt: opt.zero_grad(set_to_none=True)
    else:
        for q in model.parameters(): q.grad = None
    loss.backward()
    if opt: opt.step()
    else:
        with torch.no_grad():
            lr = 0.1 if step < 150000 else 0.01
            for q in model.parameters(): q -= lr * q.grad
report(nparams, time.perf_counter() - t0, loss)
