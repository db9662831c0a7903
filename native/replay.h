// The ESP anti-replay window (RFC 4303 §3.4.3), kept RFC 6479 style: a ring of 64-bit blocks indexed by
// sequence number, so advancing the window clears whole blocks instead of shifting a long bitmap.
// Check before the ICV is verified, Update only once it was: a forged packet must not move the window.
// With ESN the 32 low bits on the wire are extended to 64 with RFC 4303 Appendix A.
//
// Plain C++ (no napi types): the data-path threads call it directly. Not thread-safe: one thread per
// inbound SA (the same rule as EspSa).
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

class ReplayWindow {
 public:
  enum class Result { kOk = 0, kReplay = 1, kTooOld = 2 };
  // The largest window we accept; 0 turns replay checking off (RFC 4303: receiver may disable it).
  static constexpr uint32_t kMaxSize = 65536;

  // `size` packets (0 = off, at most kMaxSize); the ring is rounded up, the window itself is exact.
  ReplayWindow(uint32_t size, bool esn);

  uint32_t size() const { return size_; }
  bool esn() const { return esn_; }
  // The highest sequence number accepted so far (0 = none yet).
  uint64_t top() const { return top_; }

  // The full sequence number of a packet whose low 32 bits are `low` (identity without ESN).
  uint64_t Infer(uint32_t low) const;
  // Whether `seq` may be accepted: new, or in the window and not seen. Sequence number 0 is never sent.
  Result Check(uint64_t seq) const;
  // Marks `seq` as received (call after Check said kOk and the ICV verified).
  void Update(uint64_t seq);
  // Starts over as if every number up to `top` had been received (resuming an SA; tests near 2^32).
  void Reset(uint64_t top);

 private:
  uint32_t size_;
  bool esn_;
  uint64_t top_ = 0;
  size_t blockMask_ = 0;  // number of ring blocks - 1 (a power of two)
  std::unique_ptr<uint64_t[]> ring_;
};

void InitReplay(Napi::Env env, Napi::Object exports);
