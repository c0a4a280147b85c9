// C entry points (loaded with ctypes by harness.py) that run the CUDA ops' orchestrators and block programs
// (csrc/*/*_kernels.cuh) on the host through the checking emulator. Built with -DGLAD_CUDA_EMULATION.
// Every entry returns 0 on success, 1 when the checker or a consistency check failed (see emu_error()).
#include <cmath>
#include <string>

#include "bias_act/bias_act_kernels.cuh"
#include "emulator.h"
#include "filtered_lrelu/filtered_lrelu_kernels.cuh"
#include "upfirdn2d/upfirdn2d_kernels.cuh"

namespace glad_ops::emu {
using glad_emu::checker;
bool shared_read(const void* p, std::size_t n) { return checker().shared_access(p, n, false); }
bool shared_write(const void* p, std::size_t n) { return checker().shared_access(p, n, true); }
bool global_read(const void* p, std::size_t n) { return checker().global_access(p, n, false); }
bool global_write(const void* p, std::size_t n) { return checker().global_access(p, n, true); }
}  // namespace glad_ops::emu

namespace {

using glad_ops::DeviceLimits;
using glad_ops::LaunchPlan;
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
void report(const LaunchPlan& plan, int64_t launches, int64_t* info) {
  if (!info) return;
  const int64_t v[8] = {plan.tiled, plan.tile_h, plan.tile_w, plan.grid.x, plan.grid.y, plan.grid.z,
                        int64_t(plan.shared_bytes), launches};
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
  if (dtype == 1) f(glad_ops::half_t{});
  if (dtype == 2) f(glad_ops::bf16_t{});
}

// Runs `launch(launcher, limits) -> LaunchPlan` under the checker, reports the plan and checks that every byte
// of the named outputs was written.
template <class Launch>
int run_checked(const EmuConfig* cfg, int64_t* info, std::initializer_list<const char*> outputs, Launch launch) {
  glad_emu::HostLauncher launcher;
  launcher.threads_override = cfg->threads;
  const LaunchPlan plan = launch(launcher, limits(*cfg));
  report(plan, launcher.launches, info);
  for (const char* name : outputs) checker().require_fully_written(name);
  return finish();
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
  glad_ops::BiasActParams p;
  p.x = x;
  p.g = g;
  p.b = b;
  p.out = out;
  p.numel = numel;
  p.inner = glad_ops::FastDivmod(uint64_t(inner));
  p.channels = glad_ops::FastDivmod(uint64_t(channels));
  p.act = act;
  p.alpha = alpha;
  p.gain = gain;
  p.clamp = clamp;
  p.order = order;
  if (info) info[0] = glad_ops::aligned16(x) && glad_ops::aligned16(out) && (!grad || glad_ops::aligned16(g));
  return run_checked(cfg, nullptr, {"out"}, [&](glad_emu::HostLauncher& launcher, const DeviceLimits& lim) {
    with_dtype(dtype, [&](auto tag) {
      using T = decltype(tag);
      if (grad)
        glad_ops::run_bias_act<T, true>(launcher, p, lim);
      else
        glad_ops::run_bias_act<T, false>(launcher, p, lim);
    });
    return LaunchPlan{};
  });
}

int emu_upfirdn2d(int dtype, const void* x, const float* f, void* y, int n, int c, int in_h, int in_w, int fh, int fw,
                  int separable, int upx, int upy, int downx, int downy, int px0, int px1, int py0, int py1,
                  int flip, double gain, int out_h, int out_w, const EmuConfig* cfg, int64_t* info) {
  checker().reset();
  const float fscale = float(std::pow(gain, (separable ? 1 : 2) / 2.0));
  glad_ops::Upfirdn2dParams p;
  p.g = glad_ops::make_upfirdn2d_geometry(n * c, c, in_h, in_w, fh, fw, separable != 0, upx, upy, downx, downy, px0,
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
  return run_checked(cfg, info, {"y"}, [&](glad_emu::HostLauncher& launcher, const DeviceLimits& lim) {
    LaunchPlan plan;
    with_dtype(dtype, [&](auto tag) {
      plan = glad_ops::run_upfirdn2d<decltype(tag)>(launcher, p, lim, cfg->allow_fused != 0);
    });
    return plan;
  });
}

}  // extern "C"

// filtered_lrelu's arguments (mirrors harness.FlreluArgs); t_h..out_w are the shapes the reference gives.
struct FlreluArgs {
  int n, c, in_h, in_w, fu_h, fu_w, fu_sep, fd_h, fd_w, fd_sep, up, down, px0, px1, py0, py1, flip;
  int t_h, t_w, out_h, out_w;
  double gain, slope, clamp;
};

namespace {

// Params with the geometry of `a`; fails (returns 1) when the kernels' geometry disagrees with the reference's.
int flrelu_params(const FlreluArgs& a, glad_ops::FilteredLreluParams& p) {
  checker().reset();
  p.g = glad_ops::make_filtered_lrelu_geometry(a.n * a.c, a.c, a.in_h, a.in_w, a.fu_h, a.fu_w, a.fu_sep != 0,
                                                a.fd_h, a.fd_w, a.fd_sep != 0, a.up, a.down, a.px0, a.px1, a.py0,
                                                a.py1, float(a.gain), float(a.slope), float(a.clamp), a.flip != 0);
  const glad_ops::FilteredLreluGeometry& g = p.g;
  if (g.t_h != a.t_h || g.t_w != a.t_w || g.out_h != a.out_h || g.out_w != a.out_w)
    return fail("geometry gives t " + std::to_string(g.t_h) + "x" + std::to_string(g.t_w) + " and output " +
                std::to_string(g.out_h) + "x" + std::to_string(g.out_w) + ", expected t " + std::to_string(a.t_h) +
                "x" + std::to_string(a.t_w) + " and output " + std::to_string(a.out_h) + "x" +
                std::to_string(a.out_w));
  return 0;
}

// Registers the filters and the buffers shared by both directions (x-sized, y-sized, mask).
void add_flrelu_buffers(const glad_ops::FilteredLreluParams& p, int dtype, bool backward) {
  const glad_ops::FilteredLreluGeometry& g = p.g;
  const std::size_t es = dtype_size(dtype), planes = std::size_t(g.planes);
  checker().add_buffer(p.fu, std::size_t(g.fu_len()) * sizeof(float), false, "fu");
  checker().add_buffer(p.fd, std::size_t(g.fd_len()) * sizeof(float), false, "fd");
  checker().add_buffer(backward ? p.dx : p.x, planes * g.in_h * g.in_w * es, backward, backward ? "dx" : "x");
  checker().add_buffer(backward ? p.dy : p.y, planes * g.out_h * g.out_w * es, !backward, backward ? "dy" : "y");
  checker().add_buffer(backward ? static_cast<const void*>(p.mask_in) : p.mask, planes * g.t_h * g.mask_w, !backward,
                       "mask");
}

}  // namespace

extern "C" {

int emu_filtered_lrelu(int dtype, const void* x, const float* fu, const float* fd, const void* b, void* y,
                       uint8_t* mask, const FlreluArgs* a, const EmuConfig* cfg, int64_t* info) {
  glad_ops::FilteredLreluParams p;
  if (flrelu_params(*a, p)) return 1;
  p.x = x;
  p.b = b;
  p.y = y;
  p.mask = mask;
  p.fu = fu;
  p.fd = fd;
  add_flrelu_buffers(p, dtype, false);
  if (b) checker().add_buffer(b, std::size_t(a->c) * dtype_size(dtype), false, "b");
  return run_checked(cfg, info, {"y", "mask"}, [&](glad_emu::HostLauncher& launcher, const DeviceLimits& lim) {
    LaunchPlan plan;
    with_dtype(dtype, [&](auto tag) {
      plan = glad_ops::run_filtered_lrelu<decltype(tag)>(launcher, p, lim, cfg->allow_fused != 0);
    });
    return plan;
  });
}

int emu_filtered_lrelu_grad(int dtype, const void* dy, const uint8_t* mask, const float* fu, const float* fd,
                            void* dx, const FlreluArgs* a, const EmuConfig* cfg, int64_t* info) {
  glad_ops::FilteredLreluParams p;
  if (flrelu_params(*a, p)) return 1;
  p.dy = dy;
  p.mask_in = mask;
  p.dx = dx;
  p.fu = fu;
  p.fd = fd;
  add_flrelu_buffers(p, dtype, true);
  return run_checked(cfg, info, {"dx"}, [&](glad_emu::HostLauncher& launcher, const DeviceLimits& lim) {
    LaunchPlan plan;
    with_dtype(dtype, [&](auto tag) {
      plan = glad_ops::run_filtered_lrelu_grad<decltype(tag)>(launcher, p, lim, cfg->allow_fused != 0);
    });
    return plan;
  });
}

// Launch plan only (nothing runs): for checking the planner at full layer sizes.
int emu_plan_filtered_lrelu(const FlreluArgs* a, int backward, const EmuConfig* cfg, int64_t* info) {
  glad_ops::FilteredLreluParams p;
  if (flrelu_params(*a, p)) return 1;
  report(glad_ops::plan_filtered_lrelu(p, limits(*cfg), backward != 0, cfg->allow_fused != 0), 0, info);
  return 0;
}

// FastDivmod against the caller's reference: q[i] = n[i] / d, r[i] = n[i] % d.
void emu_fast_divmod(uint64_t d, const uint64_t* n, uint64_t* q, uint64_t* r, int64_t count) {
  const glad_ops::FastDivmod fd(d);
  for (int64_t i = 0; i < count; ++i) {
    q[i] = fd.div(n[i]);
    r[i] = fd.mod(n[i]);
  }
}

}  // extern "C"
