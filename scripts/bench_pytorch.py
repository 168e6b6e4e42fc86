#!/usr/bin/env python3
"""Causeway's training step against the same model in PyTorch, measured in one run.

Run through scripts/bench-pytorch (it creates the venv with torch first). For every
configuration (--tokens) and thread count (--threads), runs `causeway bench` with
OPENBLAS_NUM_THREADS=n and the PyTorch step with torch.set_num_threads(n) alternately, each
--repeats times (A B A B), every PyTorch run in a fresh process, then prints a table. One JSON
line per measurement goes to stdout; progress and the table go to stderr (and to --table FILE).

The PyTorch model is Causeway's (Sources/Causeway/Model/Transformer.swift, ParameterLayout.swift;
Train/Trainer.swift, AdamW.swift, Loss.swift):
  step tokens:     Linear(p->d) + learned position embedding, causal mask, head d->p, and the
                   linear autoregressive path (L*p*p weights, output scaled by min(1, 8/sqrt(L*p)),
                   on by default for step tokens, as in `causeway bench`), here a causal conv1d;
  variable tokens: Linear(1->d) + variable + position embeddings, block-causal mask, head d->1;
  pre-LayerNorm blocks (eps 1e-5): multi-head attention (fused qkv, softmax scale 1/sqrt(d/h)),
  GELU (tanh approximation) MLP of width 4d, residuals; final LayerNorm; MSE over every position
  and value; gradient-norm clipping at 1; AdamW (0.9, 0.999, eps 1e-8, decoupled weight decay
  0.01 on matrices only) with Causeway's warm-up/cosine learning rate; float32, eager.
The parameter count is checked against the count in Causeway's own training banner. Attention
is timed in two forms (--attention): F.scaled_dot_product_attention, and the explicit masked
softmax(q kᵀ/√hs) v; --compile also times torch.compile (inductor; needs a C++ compiler).
Timing follows TrainingBenchmark.swift: 3 warm-up steps, 3 calibration steps that fix the
number of timed steps (seconds / calibrated step time, at least 3), then those steps timed;
windows/s = batch * steps / elapsed. Data: random Gaussian series of max(4*batch, 256) + L + 1
rows, z-scored, windows taken in order (batch k uses windows k*batch ... modulo their number);
the window gathering is inside the timed step, as in Causeway.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# The PyTorch model (imported lazily: the orchestrating process never loads torch)

def build_model(torch, tokens, p, L, d, layers, heads, linear_path, attention="sdpa"):
    nn, F = torch.nn, torch.nn.functional
    f = p if tokens == "step" else 1          # values per token
    T = L if tokens == "step" else L * p      # tokens per window
    tps = 1 if tokens == "step" else p        # tokens per time step (mask block)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(d, eps=1e-5)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d, eps=1e-5)
            self.fc = nn.Linear(d, 4 * d)
            self.fc_proj = nn.Linear(4 * d, d)

        def forward(self, x, mask):
            B = x.shape[0]
            q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
            if attention == "manual":   # the textbook form: masked softmax(q kᵀ / √hs) v
                s = (q @ k.transpose(-2, -1)) * (1 / math.sqrt(d // heads))
                y = s.masked_fill(~mask, float("-inf")).softmax(-1) @ v
            elif tokens == "step":
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            x = x + self.proj(y.transpose(1, 2).reshape(B, T, d))
            return x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class Forecaster(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(f, d)
            self.var_emb = nn.Parameter(torch.empty(p, d)) if tokens == "variable" else None
            self.pos_emb = nn.Parameter(torch.empty(L, d))
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.lnf = nn.LayerNorm(d, eps=1e-5)
            self.head = nn.Linear(d, f)
            # [L, p, p], index (lag - 1, source, target), as Causeway's linear_path.weight
            self.linear_w = nn.Parameter(torch.zeros(L, p, p)) if linear_path else None
            self.alpha = min(1.0, 8 / math.sqrt(L * p))
            # block-causal (causal for step tokens): token a sees the keys of steps <= its step
            step = torch.arange(T) // tps
            self.register_buffer("mask", step[None, :] <= step[:, None], persistent=False)
            # token t's position embedding row (and variable embedding row)
            self.register_buffer("pos_index", torch.arange(T) // tps, persistent=False)
            self.register_buffer("var_index", torch.arange(T) % tps, persistent=False)
            self._init()

        def _init(self):
            # Transformer.initialize: N(0, 0.02) matrices, residual projections 0.02/sqrt(2*layers),
            # input projection N(0, 1/f), embeddings N(0, 1), LayerNorm 1/0, biases 0, linear path 0
            with torch.no_grad():
                for m in self.modules():
                    if isinstance(m, nn.Linear):
                        nn.init.normal_(m.weight, std=0.02)
                        nn.init.zeros_(m.bias)
                for b in self.blocks:
                    nn.init.normal_(b.proj.weight, std=0.02 / math.sqrt(2 * layers))
                    nn.init.normal_(b.fc_proj.weight, std=0.02 / math.sqrt(2 * layers))
                nn.init.normal_(self.inp.weight, std=1 / math.sqrt(f))
                nn.init.normal_(self.pos_emb, std=1.0)
                if self.var_emb is not None:
                    nn.init.normal_(self.var_emb, std=1.0)

        def forward(self, x):   # x: [B, T, f]
            h = self.inp(x) + self.pos_emb[self.pos_index]
            if self.var_emb is not None:
                h = h + self.var_emb[self.var_index]
            for b in self.blocks:
                h = b(h, self.mask)
            out = self.head(self.lnf(h))
            if self.linear_w is not None:
                # out[b, t] += alpha * sum_{k < min(t+1, L)} x[b, t-k] @ W[k]: a causal conv1d
                # over time with kernel L (weight[o, c, j] = W[L-1-j, c, o]), left padding L-1
                w = self.linear_w.flip(0).permute(2, 1, 0)
                y = F.conv1d(F.pad(x.transpose(1, 2), (L - 1, 0)), w)
                out = out + self.alpha * y.transpose(1, 2)
            return out

    return Forecaster()


def decayed_parameters(torch, model):
    """Causeway's ParameterLayout: weight decay on matrices (linear weights and the linear
    path), none on biases, LayerNorm parameters and embeddings."""
    out = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]
    return out + ([model.linear_w] if model.linear_w is not None else [])


def learning_rate(step, total=1_000_000, warmup=100, peak=3e-3, min_fraction=0.1):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (min_fraction + (1 - min_fraction) * 0.5 * (1 + math.cos(math.pi * progress)))


def measure_torch(a):
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    p, L, B = a.variables, a.max_lag, a.batch
    linear_path = a.tokens == "step" if a.linear_path is None else a.linear_path
    model = build_model(torch, a.tokens, p, L, a.d_model, a.layers, a.heads, linear_path, a.attention)
    params = sum(t.numel() for t in model.parameters())
    if a.count_only:
        return {"parameters": params}
    if a.check_run:
        return checkpoint_validation_loss(torch, model, a, a.check_run)
    decay = {id(t) for t in decayed_parameters(torch, model)}
    groups = [{"params": [t for t in model.parameters() if id(t) in decay], "weight_decay": 0.01},
              {"params": [t for t in model.parameters() if id(t) not in decay], "weight_decay": 0.0}]
    kw = {"fused": True} if a.optimizer == "fused" else {"foreach": a.optimizer == "foreach"}
    opt = torch.optim.AdamW(groups, lr=3e-3, betas=(0.9, 0.999), eps=1e-8, **kw)

    # random data as in TrainingBenchmark: Gaussian rows, z-scored, all windows of L + 1 rows
    rows = max(B * 4, 256) + L + 1
    g = torch.Generator().manual_seed(0)
    series = torch.randn(rows, p, generator=g)
    series = (series - series.mean(0)) / series.std(0, unbiased=False)
    windows = series.unfold(0, L + 1, 1).permute(0, 2, 1).contiguous()   # [n, L + 1, p]
    n = windows.shape[0]
    f = p if a.tokens == "step" else 1
    offsets = torch.arange(B)

    fwd = torch.compile(model) if a.compile else model

    def step(k):
        w = windows[(k * B + offsets) % n]
        x = w[:, :L].reshape(B, -1, f)        # variable tokens: token s*p + i holds x[s, i]
        target = w[:, 1:].reshape(B, -1, f)
        loss = torch.nn.functional.mse_loss(fwd(x), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        lr = learning_rate(k)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        return loss

    compile_start = time.perf_counter()
    for k in range(3):           # warm-up (and torch.compile's compilation)
        step(k)
    warmup_s = time.perf_counter() - compile_start
    t0 = time.perf_counter()
    for k in range(3, 6):        # calibration
        step(k)
    per_step = (time.perf_counter() - t0) / 3
    planned = int(max(3, min(100_000, a.seconds / per_step)))
    start = time.perf_counter()
    for k in range(planned):
        loss = step(k + 6)
    elapsed = time.perf_counter() - start
    loss = float(loss.detach())
    if not math.isfinite(loss):
        raise SystemExit("PyTorch training diverged (loss %s)" % loss)
    return {"impl": "pytorch", "torch": torch.__version__, "tokens": a.tokens, "variables": p, "max_lag": L,
            "d_model": a.d_model, "layers": a.layers, "heads": a.heads, "batch": B, "linear_path": linear_path,
            "threads": a.threads, "torch_threads": torch.get_num_threads(), "compile": a.compile,
            "optimizer": a.optimizer, "attention": a.attention, "parameters": params, "steps": planned,
            "step_ms": 1000 * elapsed / planned, "train_windows_per_s": B * planned / elapsed,
            "warmup_s": warmup_s, "final_loss": loss}


# ----------------------------------------------------------------------------------------------
# Orchestration

def write_random_csv(path, rows, p):
    g = __import__("random").Random(0)
    with open(path, "w") as fh:
        fh.write(",".join("x%d" % i for i in range(p)) + "\n")
        for _ in range(rows):
            fh.write(",".join("%.5f" % g.gauss(0, 1) for _ in range(p)) + "\n")


def causeway_run_command(binary, tmp, tokens, p, L, d, layers, heads, linear_path, steps):
    """`causeway run` on a random CSV in `tmp` with enough rows for Causeway's minimum."""
    rows = max(600, 10 * ((L * p + 2 * L + 200) // 10 + 1))
    write_random_csv(os.path.join(tmp, "data.csv"), rows, p)
    cmd = [binary, "run", "--data", os.path.join(tmp, "data.csv"), "--out", os.path.join(tmp, "out"),
           "--tokens", tokens, "--max-lag", str(L), "--d-model", str(d), "--layers", str(layers),
           "--heads", str(heads), "--steps", str(steps), "--validation-fraction", "0.1", "--patience", "0"]
    if linear_path is not None:
        cmd.append("--linear-path" if linear_path else "--no-linear-path")
    return cmd


def causeway_parameter_count(binary, tokens, p, L, d, layers, heads, linear_path):
    """The parameter count in `causeway run`'s banner ("training: … N parameters"); the run
    is stopped as soon as the banner is printed (it runs on a throwaway random CSV)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = causeway_run_command(binary, tmp, tokens, p, L, d, layers, heads, linear_path, 1)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        count, seen = None, []
        for line in proc.stdout:
            seen.append(line)
            m = re.search(r"training: .*?(\d+) parameters", line)
            if m:
                count = int(m.group(1))
                break
        proc.kill()
        proc.wait()
        if count is None:
            raise SystemExit("no parameter count in the banner of %s:\n%s" % (" ".join(cmd), "".join(seen[-20:])))
        return count


def check_model(a, binary, tokens, lp, torch_flags):
    """Trains Causeway for --check-steps steps on random data, loads its checkpoint's best
    parameters into the PyTorch model and compares the validation loss PyTorch computes with
    the best one in Causeway's train_log.jsonl (the same forward pass gives the same loss)."""
    with tempfile.TemporaryDirectory() as tmp:
        steps = a.check_steps or (300 if tokens == "step" else 30)
        cmd = causeway_run_command(binary, tmp, tokens, a.variables, a.max_lag, a.d_model, a.layers, a.heads, lp,
                                   steps)
        log("bench-pytorch: %s tokens: checking the forward pass against a %d-step Causeway run" % (tokens, steps))
        subprocess.run(cmd, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        r = run_json([sys.executable, __file__, "--measure", "--attention", "sdpa", "--threads", "1",
                      "--check-run", tmp] + torch_flags, dict(os.environ))
    r["steps"] = steps
    rel = abs(r["pytorch_val_loss"] - r["causeway_val_loss"]) / r["causeway_val_loss"]
    log("bench-pytorch: %s tokens: validation loss with Causeway's parameters: Causeway %.7f, PyTorch %.7f "
        "(relative difference %.1e, %d windows)" % (tokens, r["causeway_val_loss"], r["pytorch_val_loss"], rel, r["windows"]))
    print(json.dumps(dict(r, impl="check", tokens=tokens, relative_difference=rel)), flush=True)
    if not rel < 1e-4:
        raise SystemExit("the PyTorch model does not reproduce Causeway's validation loss")


def checkpoint_validation_loss(torch, model, a, run):
    """Validation loss of `model` loaded with the best parameters of the checkpoint of the run
    in `run` (see check_model), and the best validation loss that run logged."""
    import struct
    raw = open(os.path.join(run, "out", "checkpoint.cwck"), "rb").read()
    # "CAUSEWAY", version, header length, header JSON, then 4 float32 arrays: parameters, Adam m,
    # Adam v, best parameters (Sources/Causeway/Train/Checkpoint.swift)
    hl = struct.unpack("<I", raw[12:16])[0]
    header = json.loads(raw[16:16 + hl])
    n = header["parameter_count"]
    best = torch.frombuffer(bytearray(raw[16 + hl + 12 * n:16 + hl + 16 * n]), dtype=torch.float32)
    p, L, d, tokens = a.variables, a.max_lag, a.d_model, a.tokens
    f = p if tokens == "step" else 1
    offset = 0

    def take(*shape):   # the next tensor of ParameterLayout, row-major
        nonlocal offset
        k = math.prod(shape)
        t = best[offset:offset + k].reshape(shape)
        offset += k
        return t
    with torch.no_grad():   # Causeway stores x·W matrices [in, out]; nn.Linear holds [out, in]
        model.inp.weight.copy_(take(f, d).T); model.inp.bias.copy_(take(d))
        if model.var_emb is not None:
            model.var_emb.copy_(take(p, d))
        model.pos_emb.copy_(take(L, d))
        for b in model.blocks:
            b.ln1.weight.copy_(take(d)); b.ln1.bias.copy_(take(d))
            b.qkv.weight.copy_(take(d, 3 * d).T); b.qkv.bias.copy_(take(3 * d))
            b.proj.weight.copy_(take(d, d).T); b.proj.bias.copy_(take(d))
            b.ln2.weight.copy_(take(d)); b.ln2.bias.copy_(take(d))
            b.fc.weight.copy_(take(d, 4 * d).T); b.fc.bias.copy_(take(4 * d))
            b.fc_proj.weight.copy_(take(4 * d, d).T); b.fc_proj.bias.copy_(take(d))
        model.lnf.weight.copy_(take(d)); model.lnf.bias.copy_(take(d))
        model.head.weight.copy_(take(d, f).T); model.head.bias.copy_(take(f))
        if model.linear_w is not None:
            model.linear_w.copy_(take(L, p, p))
    if offset != n:
        raise SystemExit("checkpoint has %d parameters, the PyTorch model %d" % (n, offset))
    # the data as Causeway reads it: z-scored with the training rows' mean and population std;
    # validation windows are those whose final target lies in the held-out tail
    with open(os.path.join(run, "data.csv")) as fh:
        rows = [[float(x) for x in line.split(",")] for line in fh.read().splitlines()[1:]]
    X = torch.tensor(rows, dtype=torch.float64)
    split = len(rows) - int(math.floor(len(rows) * header["training"]["validationFraction"] + 0.5))
    Z = ((X - X[:split].mean(0)) / X[:split].std(0, unbiased=False)).float()
    W = Z.unfold(0, L + 1, 1).permute(0, 2, 1)[split - L:]
    with torch.no_grad():
        out = model(W[:, :L].reshape(len(W), -1, f))
    err = out - W[:, 1:].reshape(len(W), -1, f)
    val = float((err.reshape(len(W), L, p)[:, -1] ** 2).mean())   # final step only
    with open(os.path.join(run, "out", "train_log.jsonl")) as fh:
        logged = min(json.loads(l)["val_loss"] for l in fh if '"val_loss"' in l)
    return {"pytorch_val_loss": val, "causeway_val_loss": logged, "windows": len(W)}


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    lines = [l for l in out.splitlines() if l.startswith("{")]
    return json.loads(lines[-1])


def fmt(x):
    return "{:,.0f}".format(x) if x >= 100 else "{:.1f}".format(x)


def orchestrate(a):
    binary = a.causeway
    if not os.access(binary, os.X_OK):
        raise SystemExit("no causeway binary at %s (build with scripts/setup or pass --causeway)" % binary)
    model_flags = ["--variables", str(a.variables), "--max-lag", str(a.max_lag), "--d-model", str(a.d_model),
                   "--layers", str(a.layers), "--heads", str(a.heads), "--batch", str(a.batch)]
    load = os.getloadavg()
    log("bench-pytorch: load average %.2f %.2f %.2f" % load)
    # PyTorch variants: each attention form, plus torch.compile of the first one with --compile
    variants = [(att, False) for att in a.attention] + ([(a.attention[0], True)] if a.compile else [])
    results = []
    for tokens in a.tokens:
        lp = a.linear_path
        lp_flags = [] if lp is None else ["--linear-path" if lp else "--no-linear-path"]
        torch_flags = model_flags + ["--tokens", tokens, "--seconds", str(a.seconds), "--optimizer", a.optimizer] + lp_flags
        # parameter counts: Causeway's banner against the PyTorch model
        cw = causeway_parameter_count(binary, tokens, a.variables, a.max_lag, a.d_model, a.layers, a.heads, lp)
        probe = run_json([sys.executable, __file__, "--measure", "--count-only", "--threads", "1", "--attention", "sdpa"] + torch_flags,
                         dict(os.environ))
        log("bench-pytorch: %s tokens: parameters Causeway %d, PyTorch %d" % (tokens, cw, probe["parameters"]))
        if cw != probe["parameters"]:
            raise SystemExit("parameter counts differ: Causeway %d, PyTorch %d" % (cw, probe["parameters"]))
        if a.check_model:
            check_model(a, binary, tokens, lp, torch_flags)
        for n in a.threads:
            for rep in range(1, a.repeats + 1):
                env = dict(os.environ, OPENBLAS_NUM_THREADS=str(n))
                log("bench-pytorch: tokens=%s threads=%d run %d: causeway bench" % (tokens, n, rep))
                c = run_json([binary, "bench", "--tokens", tokens, "--seconds", str(a.seconds)] + model_flags + lp_flags, env)
                c.update(impl="causeway", repeat=rep, parameters=cw, loadavg_1min=os.getloadavg()[0])
                print(json.dumps(c), flush=True)
                results.append(c)
                for att, compiled in variants:
                    log("bench-pytorch: tokens=%s threads=%d run %d: PyTorch, %s attention%s"
                        % (tokens, n, rep, att, ", torch.compile" if compiled else ""))
                    tenv = dict(os.environ, OMP_NUM_THREADS=str(n), MKL_NUM_THREADS=str(n))
                    t = run_json([sys.executable, __file__, "--measure", "--threads", str(n), "--attention", att]
                                 + torch_flags + (["--compile"] if compiled else []), tenv)
                    t.update(repeat=rep, loadavg_1min=os.getloadavg()[0])
                    print(json.dumps(t), flush=True)
                    results.append(t)

    # table: means over the repeats (each run in parentheses)
    version = next(r["torch"] for r in results if r["impl"] == "pytorch")
    each = lambda xs: " (" + ", ".join(fmt(x) for x in xs) + ")" if len(xs) > 1 else ""
    lines = ["| tokens | threads | Causeway windows/s | PyTorch %s windows/s | PyTorch variant | ratio |" % version,
             "|---|---|---|---|---|---|"]
    for tokens in a.tokens:
        for n in a.threads:
            cs = [r["train_windows_per_s"] for r in results if r["impl"] == "causeway" and r["tokens"] == tokens
                  and int(r["threads"]) == n]
            cm = sum(cs) / len(cs)
            for att, compiled in variants:
                ts = [r["train_windows_per_s"] for r in results if r["impl"] == "pytorch" and r["tokens"] == tokens
                      and r["threads"] == n and r["attention"] == att and r["compile"] == compiled]
                tm = sum(ts) / len(ts)
                name = ("eager" if not compiled else "torch.compile") + (", SDPA" if att == "sdpa" else ", explicit softmax")
                lines.append("| %s | %d | %s%s | %s%s | %s | %.2f× |" % (
                    tokens, n, fmt(cm), each(cs), fmt(tm), each(ts), name, cm / tm))
    load_end = os.getloadavg()
    table = "\n".join(lines)
    log("")
    log(table)
    log("load average at start %.2f %.2f %.2f, at end %.2f %.2f %.2f" % (load + load_end))
    if a.table:
        with open(a.table, "w") as fh:
            fh.write(table + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", default="step,variable",
                    help="comma-separated tokenizations to measure (default: step,variable)")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default: 1,2)")
    ap.add_argument("--repeats", type=int, default=2, help="runs of each side per thread count, alternated (default: 2)")
    ap.add_argument("--seconds", type=float, default=5.0, help="seconds of timed steps per run (default: 5)")
    ap.add_argument("--variables", type=int, default=20)
    ap.add_argument("--max-lag", type=int, default=16)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--linear-path", dest="linear_path", action="store_true", default=None,
                    help="force the linear path on (default: as causeway bench, on for step tokens)")
    ap.add_argument("--no-linear-path", dest="linear_path", action="store_false")
    ap.add_argument("--optimizer", choices=["foreach", "fused", "loop"], default="fused",
                    help="torch.optim.AdamW implementation (default: fused, 1–2%% faster than foreach here)")
    ap.add_argument("--attention", default="sdpa,manual",
                    help="comma-separated PyTorch attention forms, each timed: sdpa "
                         "(F.scaled_dot_product_attention) and manual (explicit masked softmax) "
                         "(default: sdpa,manual)")
    ap.add_argument("--compile", action="store_true",
                    help="also time the model under torch.compile (needs a C++ compiler; slow to start)")
    ap.add_argument("--check-model", action="store_true",
                    help="first check the forward pass: train Causeway for --check-steps steps on random data, "
                         "load its parameters into the PyTorch model and compare the validation losses "
                         "(about 5 s for step tokens, 70 s for variable tokens)")
    ap.add_argument("--check-steps", type=int,
                    help="steps of the --check-model run (default: 300 for step tokens, 30 for variable tokens)")
    ap.add_argument("--causeway", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                       ".build", "release", "causeway"),
                    help="the causeway binary (default: <repo>/.build/release/causeway)")
    ap.add_argument("--table", help="also write the markdown table to this file")
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)   # one PyTorch run, JSON out
    ap.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)  # with --measure: parameters only
    ap.add_argument("--check-run", help=argparse.SUPPRESS)  # with --measure: the check_model comparison
    a = ap.parse_args()
    if a.measure:
        if a.tokens not in ("step", "variable") or a.attention not in ("sdpa", "manual"):
            ap.error("--measure needs one --tokens (step, variable) and one --attention (sdpa, manual)")
        a.threads = int(a.threads)
        print(json.dumps(measure_torch(a)), flush=True)
        return
    a.tokens = [t for t in a.tokens.split(",") if t]
    for t in a.tokens:
        if t not in ("step", "variable"):
            ap.error("--tokens: step or variable (got %s)" % t)
    a.threads = [int(n) for n in a.threads.split(",") if n]
    a.attention = [x for x in a.attention.split(",") if x]
    for x in a.attention:
        if x not in ("sdpa", "manual"):
            ap.error("--attention: sdpa or manual (got %s)" % x)
    orchestrate(a)


if __name__ == "__main__":
    main()
