// Deliberately broken block programs: each must make the emulator's checker fail (mode 0 is the correct one).
// They prove that the checks which vouch for the real kernels actually fire.
#include <string>

#include "emulator.h"

namespace {

using glad_ops::Shared;
using glad_emu::checker;

struct SelftestParams {
  int mode;
  const float* in;  // [nthreads]
  float* out;       // [2 * nthreads] (one row per block)
};

struct SelftestProgram {
  template <class Block>
  static void run(const Block& blk, const SelftestParams& p) {
    const Shared<float> s{reinterpret_cast<float*>(blk.smem)};
    const int n = blk.nthreads(), row = blk.block().x * n;
    const int mode = p.mode;
    if (mode == 6) s.ld(0);  // memory access in block-uniform code
    blk.threads([&](int tid) {
      if (mode == 2) return;  // nothing written: the next phase reads uninitialised shared memory
      if (mode == 3) s.st(tid + n, 1.f);  // past the end of the n-float array
      s.st(tid, glad_ops::gload(p.in, tid + (mode == 5 ? 1 : 0)));  // mode 5: reads in[n]
    });
    if (mode != 1) blk.sync();  // mode 1: missing barrier
    blk.threads([&](int tid) {
      const float v = s.ld((tid + 1) % n);
      if (mode == 7) s.st(tid, v);  // another thread reads this slot in the same phase
      const int dst = mode == 4 ? row + tid % 2 : row + tid;  // mode 4: several threads write one element
      glad_ops::gstore(p.out, dst, v);
      if (mode == 8 && blk.block().x == 1) glad_ops::gload(p.out, int64_t(0));  // block 0 wrote it this launch
    });
  }
};

std::string g_message;

}  // namespace

extern "C" const char* emu_checker_selftest_message() { return g_message.c_str(); }

extern "C" int emu_checker_selftest(int mode) {
  constexpr int kThreads = 8;
  float in[kThreads], out[2 * kThreads];
  for (int i = 0; i < kThreads; ++i) in[i] = float(i);
  checker().reset();
  checker().add_buffer(in, sizeof(in), false, "in");
  checker().add_buffer(out, sizeof(out), true, "out");
  glad_ops::LaunchPlan plan;
  plan.grid = {2, 1, 1};
  plan.threads = kThreads;
  plan.shared_bytes = kThreads * sizeof(float);
  glad_emu::HostLauncher launcher;
  launcher.launch<SelftestProgram>(plan, SelftestParams{mode, in, out});
  g_message = checker().summary();
  if (checker().error_count > 0) return 1;
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < kThreads; ++i)
      if (out[b * kThreads + i] != float((i + 1) % kThreads)) return 2;  // wrong result without a checker error
  return 0;
}
