// Host emulator of the CUDA execution model in csrc/common/cuda_block.cuh, with a memory checker.
//
// A launch runs every block of the grid; inside a block, each `blk.threads(body)` phase runs `body` for every
// thread in turn and `blk.sync()` is a barrier, which reproduces __syncthreads semantics exactly for programs
// whose inter-phase code is block-uniform. The checker sees every shared/global access the programs make and
// reports, with the block/thread/phase:
//   * shared memory: out-of-bounds, reads of bytes never written in this block, and conflicts between two
//     threads within one barrier interval (write/write, write then read, read then write) - i.e. missing barriers;
//   * global memory: accesses outside the registered buffers, writes to read-only inputs, and within one launch
//     a byte written twice or read after another thread wrote it (inter-block/thread races);
//   * any access made outside a thread phase (block-uniform code must not touch memory).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/cuda_block.cuh"
#include "common/launch_plan.cuh"

namespace glad_emu {

struct Buffer {
  const char* begin;
  std::size_t bytes;
  bool writable;
  std::string name;
  std::vector<int64_t> write_launch;  // per byte: launch serial of the last write (-1 never)
  std::vector<int64_t> writer;        // per byte: global thread id of that write
  std::vector<uint8_t> written;       // per byte: ever written
};

struct SharedShadow {
  int64_t write_epoch = -1, read_epoch = -1, init_block = -1;
  int32_t writer = -1, reader = -1;  // reader -2: several threads
};

class Checker {
 public:
  std::vector<Buffer> buffers;
  std::vector<std::string> errors;
  int64_t error_count = 0;

  void reset() {
    buffers.clear();
    errors.clear();
    error_count = 0;
  }
  void add_buffer(const void* p, std::size_t bytes, bool writable, const std::string& name) {
    Buffer b{static_cast<const char*>(p), bytes, writable, name, {}, {}, {}};
    if (writable) {
      b.write_launch.assign(bytes, -1);
      b.writer.assign(bytes, -1);
      b.written.assign(bytes, 0);
    }
    buffers.push_back(std::move(b));
  }
  // Fails unless every byte of the named writable buffer was written.
  void require_fully_written(const std::string& name) {
    for (const Buffer& b : buffers) {
      if (b.name != name) continue;
      for (std::size_t i = 0; i < b.bytes; ++i) {
        if (!b.written[i]) {
          fail("output '" + name + "' byte " + std::to_string(i) + " of " + std::to_string(b.bytes) +
               " was never written");
          return;
        }
      }
    }
  }

  void begin_launch() { ++launch_serial_; }
  void begin_block(char* smem, std::size_t bytes, glad_ops::Dim3 idx) {
    smem_ = smem;
    smem_bytes_ = bytes;
    if (shadow_.size() < bytes) shadow_.resize(bytes);
    ++block_uid_;  // unique over the checker's lifetime: stale shadow entries never look initialised
    block_idx_ = idx;
    ++epoch_;
    phase_ = 0;
    tid_ = -1;
  }
  void set_thread(int tid) { tid_ = tid; }
  void barrier() {
    ++epoch_;
    ++phase_;
  }

  // False: the access is invalid (reported) and must not happen.
  bool shared_access(const void* p, std::size_t n, bool write) {
    if (!in_phase("shared")) return false;
    const char* c = static_cast<const char*>(p);
    if (c < smem_ || c + n > smem_ + smem_bytes_) {
      fail(where() + (write ? " shared write" : " shared read") + " out of bounds at offset " +
           std::to_string(c - smem_) + " (+" + std::to_string(n) + ") of " + std::to_string(smem_bytes_));
      return false;
    }
    for (std::size_t k = 0; k < n; ++k) {
      SharedShadow& s = shadow_[(c - smem_) + k];
      if (write) {
        if (s.write_epoch == epoch_ && s.writer != tid_)
          fail(where() + " shared write/write race with thread " + std::to_string(s.writer) + " at offset " +
               std::to_string((c - smem_) + k));
        if (s.read_epoch == epoch_ && s.reader != tid_)
          fail(where() + " shared read-then-write race (missing barrier) at offset " +
               std::to_string((c - smem_) + k));
        s.write_epoch = epoch_;
        s.writer = tid_;
        s.init_block = block_uid_;
      } else {
        if (s.init_block != block_uid_) {
          fail(where() + " read of uninitialised shared memory at offset " + std::to_string((c - smem_) + k));
          return false;
        }
        if (s.write_epoch == epoch_ && s.writer != tid_)
          fail(where() + " shared write-then-read race (missing barrier) with thread " + std::to_string(s.writer) +
               " at offset " + std::to_string((c - smem_) + k));
        s.reader = (s.read_epoch == epoch_ && s.reader != tid_) ? -2 : tid_;
        s.read_epoch = epoch_;
      }
    }
    return true;
  }

  // False: the access is invalid (reported) and must not happen.
  bool global_access(const void* p, std::size_t n, bool write) {
    if (!in_phase("global")) return false;
    const char* c = static_cast<const char*>(p);
    for (Buffer& b : buffers) {
      if (c < b.begin || c + n > b.begin + b.bytes) continue;
      const std::size_t off = std::size_t(c - b.begin);
      if (write && !b.writable) {
        fail(where() + " write to read-only input '" + b.name + "'");
        return false;
      }
      if (!b.writable) return true;
      const int64_t me = block_uid_ * 4096 + tid_;
      for (std::size_t k = off; k < off + n; ++k) {
        if (write) {
          if (b.write_launch[k] == launch_serial_)
            fail(where() + " '" + b.name + "' byte " + std::to_string(k) + " written twice in one launch");
          b.write_launch[k] = launch_serial_;
          b.writer[k] = me;
          b.written[k] = 1;
        } else if (b.write_launch[k] == launch_serial_ && b.writer[k] != me) {
          fail(where() + " '" + b.name + "' byte " + std::to_string(k) +
               " read after another thread wrote it in the same launch");
        }
      }
      return true;
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%p", p);
    fail(where() + (write ? " global write" : " global read") + " outside every buffer at " + buf + " (+" +
         std::to_string(n) + ")");
    return false;
  }

  std::string summary() const {
    std::string out = std::to_string(error_count) + " emulation error(s):";
    for (const std::string& e : errors) out += "\n  " + e;
    return out;
  }

  void fail(const std::string& msg) {
    ++error_count;
    if (errors.size() < 8) errors.push_back(msg);
  }

 private:
  bool in_phase(const char* what) {
    if (tid_ >= 0) return true;
    fail(std::string(what) + " memory access outside a thread phase (block-uniform code must not access memory)");
    return false;
  }
  std::string where() const {
    return "block (" + std::to_string(block_idx_.x) + "," + std::to_string(block_idx_.y) + "," +
           std::to_string(block_idx_.z) + ") thread " + std::to_string(tid_) + " phase " + std::to_string(phase_) +
           ":";
  }

  char* smem_ = nullptr;
  std::size_t smem_bytes_ = 0;
  std::vector<SharedShadow> shadow_;
  int64_t epoch_ = 0, block_uid_ = 0, launch_serial_ = 0;
  int phase_ = 0, tid_ = -1;
  glad_ops::Dim3 block_idx_{0, 0, 0};
};

inline Checker& checker() {
  static Checker c;
  return c;
}

struct HostBlock {
  char* smem;
  int nthreads_;
  glad_ops::Dim3 block_idx, grid_dim;
  int nthreads() const { return nthreads_; }
  glad_ops::Dim3 block() const { return block_idx; }
  glad_ops::Dim3 grid() const { return grid_dim; }
  template <class F>
  void threads(F&& body) const {
    for (int t = 0; t < nthreads_; ++t) {
      checker().set_thread(t);
      body(t);
    }
    checker().set_thread(-1);
  }
  void sync() const { checker().barrier(); }
};

// Launcher (csrc/common/launch_plan.cuh) that runs every block of a launch on the host.
struct HostLauncher {
  int threads_override = 0;  // > 0: emulate blocks of this many threads instead of the plan's
  std::vector<std::vector<float>> scratch;
  int64_t launches = 0;

  template <class Program, class Params>
  void launch(const glad_ops::LaunchPlan& plan, const Params& params) {
    ++launches;
    Checker& chk = checker();
    chk.begin_launch();
    if (plan.shared_bytes > 300 * 1024) {
      chk.fail("launch asks for " + std::to_string(plan.shared_bytes) + " bytes of shared memory");
      return;
    }
    std::vector<char> smem(plan.shared_bytes + 16);
    char* base = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(smem.data()) + 15) & ~uintptr_t(15));
    const int nthreads = threads_override > 0 ? threads_override : plan.threads;
    for (int z = 0; z < plan.grid.z; ++z)
      for (int y = 0; y < plan.grid.y; ++y)
        for (int x = 0; x < plan.grid.x; ++x) {
          const glad_ops::Dim3 idx{x, y, z};
          chk.begin_block(base, plan.shared_bytes, idx);
          const HostBlock blk{base, nthreads, idx, plan.grid};
          Program::run(blk, params);
          if (chk.error_count > 0) return;
        }
  }
  float* scratch_floats(int64_t n) {
    scratch.emplace_back(std::size_t(n), 0.f);
    checker().add_buffer(scratch.back().data(), std::size_t(n) * sizeof(float), true, "scratch");
    return scratch.back().data();
  }
};

}  // namespace glad_emu
