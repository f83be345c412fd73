/*
 * Hand-written C reference for the bench: an in-h-1 network, sigmoid/sigmoid, binary
 * cross-entropy, mini-batch SGD, float64 — the same algorithm as backprop's fit, written the way
 * a careful C programmer would (contiguous inner loops that gcc -O3 -march=native vectorises;
 * the batch's forward pass and the kernel gradient loop over the input index outermost so that one
 * kernel row stays in L1; batch 1 fuses the update into the backward pass, as SGD one example at a
 * time allows). No BLAS, no threads, no -ffast-math. Each step also computes its loss, as fit does.
 *
 * usage: mlp DATA nin nh n batch neval lr warmup_samples runs samples
 *        mlp DATA nin nh n batch neval lr
 * DATA holds float64 little-endian: x[n*nin] y[n] evalx[neval*nin] evaly[neval]
 *   w1[nin*nh] b1[nh] w2[nh] b2[1]  (w1 row-major [input][hidden], as Keras stores a kernel)
 * With the run's plan it times itself and prints one JSON line:
 * {"timesMs":[...],"lossBefore":L0,"lossAfter":L1,"trainLoss":S} where timesMs are the
 * training-loop times of the timed runs (the warm-up run is not included); every run starts from
 * the initial weights. Without it, it serves one line per command read from stdin, so that the
 * bench can alternate its epochs with another peer's: `reset` (the initial weights; replies
 * `ok`), `train SAMPLES` (one epoch over the first SAMPLES; replies its training-loop ms),
 * `predict` (replies the held-out probabilities, space-separated); it exits at end of input.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int nin, nh, bmax;
static double *w1, *b1, *w2, b2;
static double *z1, *a1, *d1, *g1row, *gb1, *gw2; /* batch buffers */

/* In float64 this cannot fail: exp(-t) = inf for t < -709 gives 1/inf = 0. */
static double sigmoid(double t) {
  return 1.0 / (1.0 + exp(-t));
}

static double epoch1(const double *x, const double *y, long n, double lr);

/* One epoch over samples [0, n) in batches; returns the summed training loss. */
static double epoch(const double *x, const double *y, long n, int batch, double lr) {
  if (batch == 1) return epoch1(x, y, n, lr);
  double loss = 0;
  for (long start = 0; start < n; start += batch) {
    int size = (int)(n - start < batch ? n - start : batch);
    const double *xb = x + start * nin;
    /* forward, layer 1: Z1 = X·W1 + b1, loop over the input index outside the batch */
    for (int i = 0; i < size; i++) memcpy(z1 + (long)i * nh, b1, sizeof(double) * nh);
    for (int p = 0; p < nin; p++) {
      const double *wp = w1 + (long)p * nh;
      for (int i = 0; i < size; i++) {
        double xp = xb[(long)i * nin + p];
        double *zi = z1 + (long)i * nh;
        for (int j = 0; j < nh; j++) zi[j] += xp * wp[j];
      }
    }
    double gb2 = 0;
    memset(gw2, 0, sizeof(double) * nh);
    memset(gb1, 0, sizeof(double) * nh);
    for (int i = 0; i < size; i++) {
      double *zi = z1 + (long)i * nh, *ai = a1 + (long)i * nh, *di = d1 + (long)i * nh;
      double z2 = b2;
      for (int j = 0; j < nh; j++) {
        ai[j] = sigmoid(zi[j]);
        z2 += ai[j] * w2[j];
      }
      double yi = y[start + i];
      double e = exp(-fabs(z2));
      loss += (z2 > 0 ? z2 : 0) - z2 * yi + log1p(e);
      double s2 = z2 >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      double dz2 = (s2 - yi) / size; /* ∂(mean BCE)/∂z2 */
      gb2 += dz2;
      for (int j = 0; j < nh; j++) {
        gw2[j] += ai[j] * dz2;
        di[j] = dz2 * w2[j] * ai[j] * (1 - ai[j]);
        gb1[j] += di[j];
      }
    }
    /* kernel 1: W1[p][:] -= lr · Σ_i x[i][p] · δ1[i][:], one row at a time */
    for (int p = 0; p < nin; p++) {
      double *wp = w1 + (long)p * nh;
      memset(g1row, 0, sizeof(double) * nh);
      for (int i = 0; i < size; i++) {
        double xp = xb[(long)i * nin + p];
        const double *di = d1 + (long)i * nh;
        for (int j = 0; j < nh; j++) g1row[j] += xp * di[j];
      }
      for (int j = 0; j < nh; j++) wp[j] -= lr * g1row[j];
    }
    for (int j = 0; j < nh; j++) {
      b1[j] -= lr * gb1[j];
      w2[j] -= lr * gw2[j];
    }
    b2 -= lr * gb2;
  }
  return loss;
}

/* Batch 1: plain per-example SGD with the update fused into the backward pass (no gradient buffers). */
static double epoch1(const double *x, const double *y, long n, double lr) {
  double loss = 0;
  double *h = a1, *d = d1;
  for (long i = 0; i < n; i++) {
    const double *xi = x + i * nin;
    for (int j = 0; j < nh; j++) h[j] = b1[j];
    for (int p = 0; p < nin; p++) {
      double xp = xi[p];
      const double *wp = w1 + (long)p * nh;
      for (int j = 0; j < nh; j++) h[j] += xp * wp[j];
    }
    double z2 = b2;
    for (int j = 0; j < nh; j++) {
      h[j] = sigmoid(h[j]);
      z2 += h[j] * w2[j];
    }
    double yi = y[i];
    double e = exp(-fabs(z2));
    loss += (z2 > 0 ? z2 : 0) - z2 * yi + log1p(e);
    double dz2 = (z2 >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e)) - yi;
    for (int j = 0; j < nh; j++) {
      d[j] = dz2 * w2[j] * h[j] * (1 - h[j]);
      w2[j] -= lr * (h[j] * dz2);
      b1[j] -= lr * d[j];
    }
    b2 -= lr * dz2;
    for (int p = 0; p < nin; p++) {
      double xp = xi[p];
      double *wp = w1 + (long)p * nh;
      for (int j = 0; j < nh; j++) wp[j] -= lr * (xp * d[j]);
    }
  }
  return loss;
}

/* The network's probability for one example x[nin]; h holds nh values of scratch. */
static double predict(const double *x, double *h) {
  for (int j = 0; j < nh; j++) h[j] = b1[j];
  for (int p = 0; p < nin; p++)
    for (int j = 0; j < nh; j++) h[j] += x[p] * w1[(long)p * nh + j];
  double z2 = b2;
  for (int j = 0; j < nh; j++) z2 += sigmoid(h[j]) * w2[j];
  return sigmoid(z2);
}

/* Mean BCE of σ(output) on the held-out set, probabilities clipped to [1e-7, 1 − 1e-7] (bench/workloads.ts). */
static double eval_loss(const double *x, const double *y, long n) {
  double s = 0;
  double *h = malloc(sizeof(double) * nh);
  for (long i = 0; i < n; i++) {
    double q = predict(x + i * nin, h);
    q = fmin(fmax(q, 1e-7), 1 - 1e-7);
    s -= y[i] * log(q) + (1 - y[i]) * log(1 - q);
  }
  free(h);
  return s / n;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double *take(double **cursor, long count) {
  double *p = *cursor;
  *cursor += count;
  return p;
}

/* The command loop of the serving mode (see the top of the file). */
static int serve(const double *x, const double *y, const double *ex, long n, long neval, double lr,
                 const double *w1_0, const double *b1_0, const double *w2_0, double b2_0) {
  char line[64];
  double *h = malloc(sizeof(double) * nh);
  while (fgets(line, sizeof line, stdin)) {
    long samples;
    if (strcmp(line, "reset\n") == 0) {
      memcpy(w1, w1_0, sizeof(double) * nin * nh);
      memcpy(b1, b1_0, sizeof(double) * nh);
      memcpy(w2, w2_0, sizeof(double) * nh);
      b2 = b2_0;
      printf("ok\n");
    } else if (sscanf(line, "train %ld", &samples) == 1 && samples > 0 && samples <= n) {
      double t0 = now_ms();
      epoch(x, y, samples, bmax, lr);
      printf("%.6f\n", now_ms() - t0);
    } else if (strcmp(line, "predict\n") == 0) {
      for (long i = 0; i < neval; i++) printf("%s%.17g", i ? " " : "", predict(ex + i * nin, h));
      printf("\n");
    } else {
      fprintf(stderr, "unknown command: %s", line);
      return 2;
    }
    fflush(stdout);
  }
  free(h);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 11 && argc != 8) {
    fprintf(stderr, "usage: %s DATA nin nh n batch neval lr [warmup_samples runs samples]\n", argv[0]);
    return 2;
  }
  int serving = argc == 8;
  nin = atoi(argv[2]);
  nh = atoi(argv[3]);
  long n = atol(argv[4]);
  bmax = atoi(argv[5]);
  long neval = atol(argv[6]);
  double lr = atof(argv[7]);
  long warm = serving ? 0 : atol(argv[8]);
  int runs = serving ? 0 : atoi(argv[9]);
  long samples = serving ? 0 : atol(argv[10]);
  long total = n * nin + n + neval * nin + neval + (long)nin * nh + nh + nh + 1;
  double *buf = malloc(sizeof(double) * total);
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(buf, sizeof(double), total, f) != (size_t)total) {
    fprintf(stderr, "cannot read %ld doubles from %s\n", total, argv[1]);
    return 1;
  }
  fclose(f);
  double *cur = buf;
  double *x = take(&cur, n * nin), *y = take(&cur, n);
  double *ex = take(&cur, neval * nin), *ey = take(&cur, neval);
  double *w1_0 = take(&cur, (long)nin * nh), *b1_0 = take(&cur, nh), *w2_0 = take(&cur, nh);
  double b2_0 = *take(&cur, 1);
  w1 = malloc(sizeof(double) * nin * nh);
  b1 = malloc(sizeof(double) * nh);
  w2 = malloc(sizeof(double) * nh);
  z1 = malloc(sizeof(double) * bmax * nh);
  a1 = malloc(sizeof(double) * bmax * nh);
  d1 = malloc(sizeof(double) * bmax * nh);
  g1row = malloc(sizeof(double) * nh);
  gb1 = malloc(sizeof(double) * nh);
  gw2 = malloc(sizeof(double) * nh);

#define RESET()                                          \
  do {                                                   \
    memcpy(w1, w1_0, sizeof(double) * nin * nh);         \
    memcpy(b1, b1_0, sizeof(double) * nh);               \
    memcpy(w2, w2_0, sizeof(double) * nh);               \
    b2 = b2_0;                                           \
  } while (0)

  RESET();
  if (serving) return serve(x, y, ex, n, neval, lr, w1_0, b1_0, w2_0, b2_0);
  double before = eval_loss(ex, ey, neval);
  double trainLoss = 0;
  if (warm > 0) epoch(x, y, warm, bmax, lr);
  printf("{\"timesMs\":[");
  for (int r = 0; r < runs; r++) {
    RESET();
    double t0 = now_ms();
    trainLoss = epoch(x, y, samples, bmax, lr);
    double t1 = now_ms();
    printf("%s%.6f", r ? "," : "", t1 - t0);
  }
  double after = eval_loss(ex, ey, neval);
  printf("],\"lossBefore\":%.17g,\"lossAfter\":%.17g,\"trainLoss\":%.17g}\n", before, after, trainLoss / samples);
  return 0;
}
