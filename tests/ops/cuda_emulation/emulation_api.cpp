// C entry points (loaded with ctypes by harness.py) that run the CUDA ops' orchestrators and block programs
// (csrc/*/*_kernels.cuh) on the host through the checking emulator. Built with -DGLAD_CUDA_EMULATION.
// Every entry returns 0 on success, 1 when the checker or a consistency check failed (see emu_error()).
#include <cmath>
#include <string>

#include "bias_act/bias_act_kernels.cuh"
#include "emulator.h"
#include "filtered_lrelu/filtered_lrelu_kernels.cuh"
#include "upfirdn2d/upfirdn2d_kernels.cuh"

namespace glad_emu {
bool shared_read(const void* p, std::size_t n) { return checker().shared_access(p, n, false); }
bool shared_write(const void* p, std::size_t n) { return checker().shared_access(p, n, true); }
bool global_read(const void* p, std::size_t n) { return checker().global_access(p, n, false); }
bool global_write(const void* p, std::size_t n) { return checker().global_access(p, n, true); }
}  // namespace glad_emu

namespace {

using glad_cuda::DeviceLimits;
using glad_cuda::LaunchPlan;
using glad_emu::checker;

std::string g_error;

// Device the planners see, how the blocks are emulated, and which paths are allowed.
struct EmuConfig {
  int sm_count;
  int64_t shared_per_block;
  int64_t shared_per_sm;
  int threads;      // > 0: emulate blocks with this many threads (the programs must not depend on it)
  int allow_fused;  // 0: force the generic path of upfirdn2d / filtered_lrelu
};

DeviceLimits limits(const EmuConfig& c) {
  DeviceLimits lim;
  lim.sm_count = c.sm_count;
  lim.shared_per_block = std::size_t(c.shared_per_block);
  lim.shared_per_sm = std::size_t(c.shared_per_sm);
  return lim;
}

// Plan summary for the tests: [fused/tiled, tile_h, tile_w, grid.x, grid.y, grid.z, shared bytes, launches].
void report(const LaunchPlan& plan, const glad_emu::HostLauncher& launcher, int tile_h, int tile_w, int64_t* info) {
  if (!info) return;
  const int64_t v[8] = {plan.tiled, tile_h, tile_w, plan.grid.x, plan.grid.y, plan.grid.z,
                        int64_t(plan.shared_bytes), launcher.launches};
  for (int i = 0; i < 8; ++i) info[i] = v[i];
}

int finish() {
  glad_emu::Checker& chk = checker();
  if (chk.error_count == 0) return 0;
  g_error = chk.summary();
  return 1;
}

int fail(const std::string& msg) {
  g_error = msg;
  return 1;
}

std::size_t dtype_size(int dtype) { return dtype == 0 ? 4 : 2; }

// f(T{}) for dtype 0 float32, 1 float16, 2 bfloat16.
template <class F>
void with_dtype(int dtype, F&& f) {
  if (dtype == 0) f(float{});
  if (dtype == 1) f(glad_cuda::half_t{});
  if (dtype == 2) f(glad_cuda::bf16_t{});
}

// Picks the tile the plan chose (plan functions fill it into a copy of the params).
template <class Params, class PlanFn>
void tile_of(Params p, PlanFn plan_fn, int* th, int* tw) {
  plan_fn(p);
  *th = p.tile_h;
  *tw = p.tile_w;
}

}  // namespace

extern "C" {

const char* emu_error() { return g_error.c_str(); }

int emu_bias_act(int dtype, int grad, const void* x, const void* g, const void* b, void* out, int64_t numel,
                 int64_t inner, int64_t channels, int act, float alpha, float gain, float clamp, int order,
                 const EmuConfig* cfg, int64_t* info) {
  checker().reset();
  const std::size_t es = dtype_size(dtype);
  checker().add_buffer(x, numel * es, false, "x");
  if (g) checker().add_buffer(g, numel * es, false, "g");
  if (b) checker().add_buffer(b, channels * es, false, "b");
  checker().add_buffer(out, numel * es, true, "out");
  glad_cuda::BiasActParams p;
  p.x = x;
  p.g = g;
  p.b = b;
  p.out = out;
  p.numel = numel;
  p.inner = glad_cuda::FastDivmod(uint64_t(inner));
  p.channels = glad_cuda::FastDivmod(uint64_t(channels));
  p.act = act;
  p.alpha = alpha;
  p.gain = gain;
  p.clamp = clamp;
  p.order = order;
  glad_emu::HostLauncher launcher;
  launcher.threads_override = cfg->threads;
  const DeviceLimits lim = limits(*cfg);
  with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    if (grad)
      glad_cuda::run_bias_act<T, true>(launcher, p, lim);
    else
      glad_cuda::run_bias_act<T, false>(launcher, p, lim);
  });
  if (info) info[0] = glad_cuda::aligned16(x) && glad_cuda::aligned16(out) && (!grad || glad_cuda::aligned16(g));
  checker().require_fully_written("out");
  return finish();
}

int emu_upfirdn2d(int dtype, const void* x, const float* f, void* y, int n, int c, int in_h, int in_w, int fh, int fw,
                  int separable, int upx, int upy, int downx, int downy, int px0, int px1, int py0, int py1,
                  int flip, double gain, int out_h, int out_w, const EmuConfig* cfg, int64_t* info) {
  checker().reset();
  const float fscale = float(std::pow(gain, (separable ? 1 : 2) / 2.0));
  glad_cuda::Upfirdn2dParams p;
  p.g = glad_cuda::make_upfirdn2d_geometry(n * c, c, in_h, in_w, fh, fw, separable != 0, upx, upy, downx, downy, px0,
                                           px1, py0, py1, flip != 0, fscale);
  if (p.g.out_h != out_h || p.g.out_w != out_w)
    return fail("geometry gives output " + std::to_string(p.g.out_h) + "x" + std::to_string(p.g.out_w) +
                ", the reference " + std::to_string(out_h) + "x" + std::to_string(out_w));
  const std::size_t es = dtype_size(dtype);
  checker().add_buffer(x, std::size_t(n) * c * in_h * in_w * es, false, "x");
  checker().add_buffer(f, std::size_t(separable ? fw : fh * fw) * sizeof(float), false, "f");
  checker().add_buffer(y, std::size_t(n) * c * out_h * out_w * es, true, "y");
  p.x = x;
  p.y = y;
  p.f = f;
  glad_emu::HostLauncher launcher;
  launcher.threads_override = cfg->threads;
  const DeviceLimits lim = limits(*cfg);
  LaunchPlan plan;
  with_dtype(dtype, [&](auto tag) {
    plan = glad_cuda::run_upfirdn2d<decltype(tag)>(launcher, p, lim, cfg->allow_fused != 0);
  });
  int th = 0, tw = 0;
  tile_of(p, [&](glad_cuda::Upfirdn2dParams& q) { glad_cuda::plan_upfirdn2d(q, lim, cfg->allow_fused != 0); }, &th,
          &tw);
  report(plan, launcher, th, tw, info);
  checker().require_fully_written("y");
  return finish();
}

// Geometry of filtered_lrelu from the op's arguments, checked against the shapes the reference gave.
static int flrelu_geometry(glad_cuda::FilteredLreluParams& p, int n, int c, int in_h, int in_w, int fu_h, int fu_w,
                           int fu_sep, int fd_h, int fd_w, int fd_sep, int up, int down, int px0, int px1, int py0,
                           int py1, double gain, double slope, double clamp, int flip, int t_h, int t_w, int out_h,
                           int out_w) {
  p.g = glad_cuda::make_filtered_lrelu_geometry(n * c, c, in_h, in_w, fu_h, fu_w, fu_sep != 0, fd_h, fd_w,
                                                fd_sep != 0, up, down, px0, px1, py0, py1, float(gain), float(slope),
                                                float(clamp), flip != 0);
  if (p.g.t_h != t_h || p.g.t_w != t_w || p.g.out_h != out_h || p.g.out_w != out_w)
    return fail("geometry gives t " + std::to_string(p.g.t_h) + "x" + std::to_string(p.g.t_w) + " and output " +
                std::to_string(p.g.out_h) + "x" + std::to_string(p.g.out_w) + ", expected t " + std::to_string(t_h) +
                "x" + std::to_string(t_w) + " and output " + std::to_string(out_h) + "x" + std::to_string(out_w));
  return 0;
}

int emu_filtered_lrelu(int dtype, const void* x, const float* fu, const float* fd, const void* b, void* y,
                       uint8_t* mask, int n, int c, int in_h, int in_w, int fu_h, int fu_w, int fu_sep, int fd_h,
                       int fd_w, int fd_sep, int up, int down, int px0, int px1, int py0, int py1, double gain,
                       double slope, double clamp, int flip, int t_h, int t_w, int out_h, int out_w,
                       const EmuConfig* cfg, int64_t* info) {
  checker().reset();
  glad_cuda::FilteredLreluParams p;
  if (flrelu_geometry(p, n, c, in_h, in_w, fu_h, fu_w, fu_sep, fd_h, fd_w, fd_sep, up, down, px0, px1, py0, py1,
                      gain, slope, clamp, flip, t_h, t_w, out_h, out_w))
    return 1;
  const std::size_t es = dtype_size(dtype), planes = std::size_t(n) * c;
  checker().add_buffer(x, planes * in_h * in_w * es, false, "x");
  checker().add_buffer(fu, std::size_t(p.g.fu_len()) * sizeof(float), false, "fu");
  checker().add_buffer(fd, std::size_t(p.g.fd_len()) * sizeof(float), false, "fd");
  if (b) checker().add_buffer(b, std::size_t(c) * es, false, "b");
  checker().add_buffer(y, planes * out_h * out_w * es, true, "y");
  checker().add_buffer(mask, planes * t_h * p.g.mask_w, true, "mask");
  p.x = x;
  p.b = b;
  p.y = y;
  p.mask = mask;
  p.fu = fu;
  p.fd = fd;
  glad_emu::HostLauncher launcher;
  launcher.threads_override = cfg->threads;
  const DeviceLimits lim = limits(*cfg);
  LaunchPlan plan;
  with_dtype(dtype, [&](auto tag) {
    plan = glad_cuda::run_filtered_lrelu<decltype(tag)>(launcher, p, lim, cfg->allow_fused != 0);
  });
  int th = 0, tw = 0;
  tile_of(p, [&](glad_cuda::FilteredLreluParams& q) { glad_cuda::plan_filtered_lrelu(q, lim, false, cfg->allow_fused != 0); },
          &th, &tw);
  report(plan, launcher, th, tw, info);
  checker().require_fully_written("y");
  checker().require_fully_written("mask");
  return finish();
}

int emu_filtered_lrelu_grad(int dtype, const void* dy, const uint8_t* mask, const float* fu, const float* fd,
                            void* dx, int n, int c, int in_h, int in_w, int fu_h, int fu_w, int fu_sep, int fd_h,
                            int fd_w, int fd_sep, int up, int down, int px0, int px1, int py0, int py1, double gain,
                            double slope, int flip, int t_h, int t_w, int out_h, int out_w, const EmuConfig* cfg,
                            int64_t* info) {
  checker().reset();
  glad_cuda::FilteredLreluParams p;
  if (flrelu_geometry(p, n, c, in_h, in_w, fu_h, fu_w, fu_sep, fd_h, fd_w, fd_sep, up, down, px0, px1, py0, py1,
                      gain, slope, -1.0, flip, t_h, t_w, out_h, out_w))
    return 1;
  const std::size_t es = dtype_size(dtype), planes = std::size_t(n) * c;
  checker().add_buffer(dy, planes * out_h * out_w * es, false, "dy");
  checker().add_buffer(mask, planes * t_h * p.g.mask_w, false, "mask");
  checker().add_buffer(fu, std::size_t(p.g.fu_len()) * sizeof(float), false, "fu");
  checker().add_buffer(fd, std::size_t(p.g.fd_len()) * sizeof(float), false, "fd");
  checker().add_buffer(dx, planes * in_h * in_w * es, true, "dx");
  p.dy = dy;
  p.mask_in = mask;
  p.dx = dx;
  p.fu = fu;
  p.fd = fd;
  glad_emu::HostLauncher launcher;
  launcher.threads_override = cfg->threads;
  const DeviceLimits lim = limits(*cfg);
  LaunchPlan plan;
  with_dtype(dtype, [&](auto tag) {
    plan = glad_cuda::run_filtered_lrelu_grad<decltype(tag)>(launcher, p, lim, cfg->allow_fused != 0);
  });
  int th = 0, tw = 0;
  tile_of(p, [&](glad_cuda::FilteredLreluParams& q) { glad_cuda::plan_filtered_lrelu(q, lim, true, cfg->allow_fused != 0); },
          &th, &tw);
  report(plan, launcher, th, tw, info);
  checker().require_fully_written("dx");
  return finish();
}

// Launch plan only (nothing runs): for checking the planner at full layer sizes.
int emu_plan_filtered_lrelu(int n, int c, int in_h, int in_w, int fu_h, int fu_w, int fu_sep, int fd_h, int fd_w,
                            int fd_sep, int up, int down, int px0, int px1, int py0, int py1, int backward,
                            const EmuConfig* cfg, int64_t* info) {
  glad_cuda::FilteredLreluParams p;
  p.g = glad_cuda::make_filtered_lrelu_geometry(n * c, c, in_h, in_w, fu_h, fu_w, fu_sep != 0, fd_h, fd_w,
                                                fd_sep != 0, up, down, px0, px1, py0, py1, 1.f, 0.2f, -1.f, false);
  const LaunchPlan plan = glad_cuda::plan_filtered_lrelu(p, limits(*cfg), backward != 0, cfg->allow_fused != 0);
  glad_emu::HostLauncher none;
  report(plan, none, p.tile_h, p.tile_w, info);
  return 0;
}

// FastDivmod against the caller's reference: q[i] = n[i] / d, r[i] = n[i] % d.
void emu_fast_divmod(uint64_t d, const uint64_t* n, uint64_t* q, uint64_t* r, int64_t count) {
  const glad_cuda::FastDivmod fd(d);
  for (int64_t i = 0; i < count; ++i) {
    q[i] = fd.div(n[i]);
    r[i] = fd.mod(n[i]);
  }
}

}  // extern "C"
