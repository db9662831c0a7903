#include "replay.h"

#include <cstring>
#include <string>

#include "common.h"

namespace {
constexpr unsigned kBlockBits = 64;
constexpr unsigned kBlockShift = 6;
}  // namespace

ReplayWindow::ReplayWindow(uint32_t size, bool esn) : size_(size), esn_(esn) {
  if (size_ == 0) return;
  // One spare block so that a full window of `size` bits never shares a block with the one being cleared.
  size_t blocks = 1;
  while ((blocks - 1) * kBlockBits < size_) blocks <<= 1;
  blockMask_ = blocks - 1;
  ring_.reset(new uint64_t[blocks]());
}

uint64_t ReplayWindow::Infer(uint32_t low) const {
  if (!esn_) return low;
  // RFC 4303 Appendix A. With replay checking off, use half the 32-bit space as the window so that a
  // packet is placed in the epoch nearest the top.
  const uint32_t w = size_ ? size_ : 0x80000000u;
  const uint32_t tl = static_cast<uint32_t>(top_);
  uint32_t th = static_cast<uint32_t>(top_ >> 32);
  const uint32_t bottom = tl - w + 1;  // modulo 2^32, as in the RFC
  if (tl >= w - 1) {
    // Case A: the window lies within one epoch; lower numbers belong to the next one.
    if (low < bottom) th += 1;
  } else {
    // Case B: the window spans the start of this epoch; numbers above its bottom are from the last one.
    if (low >= bottom && th > 0) th -= 1;
  }
  return (static_cast<uint64_t>(th) << 32) | low;
}

ReplayWindow::Result ReplayWindow::Check(uint64_t seq) const {
  if (seq == 0) return Result::kTooOld;
  if (size_ == 0 || seq > top_) return Result::kOk;
  if (top_ - seq >= size_) return Result::kTooOld;
  const uint64_t block = ring_[(seq >> kBlockShift) & blockMask_];
  return (block >> (seq & (kBlockBits - 1))) & 1 ? Result::kReplay : Result::kOk;
}

void ReplayWindow::Update(uint64_t seq) {
  if (size_ == 0) {
    if (seq > top_) top_ = seq;
    return;
  }
  if (seq > top_) {
    // Clear the blocks the window moves into (at most the whole ring), never shift bits.
    const uint64_t oldBlock = top_ >> kBlockShift;
    const uint64_t newBlock = seq >> kBlockShift;
    uint64_t diff = newBlock - oldBlock;
    if (diff > blockMask_ + 1) diff = blockMask_ + 1;
    for (uint64_t i = 1; i <= diff; i++) ring_[(oldBlock + i) & blockMask_] = 0;
    top_ = seq;
  }
  ring_[(seq >> kBlockShift) & blockMask_] |= uint64_t{1} << (seq & (kBlockBits - 1));
}

void ReplayWindow::Reset(uint64_t top) {
  top_ = top;
  if (size_ == 0) return;
  // Everything at or below `top` counts as received: fill the ring.
  std::memset(ring_.get(), 0xff, (blockMask_ + 1) * sizeof(uint64_t));
  // Bits above `top` in its own block are the future: clear them.
  const unsigned bit = top & (kBlockBits - 1);
  uint64_t& own = ring_[(top >> kBlockShift) & blockMask_];
  own = bit == kBlockBits - 1 ? ~uint64_t{0} : ((uint64_t{1} << (bit + 1)) - 1);
}

// ---- N-API face (tests and diagnostics; the data path uses the C++ class) ----

namespace {

const char kCtorName[] = "ReplayWindow";

bool GetSeq(Napi::Env env, const Napi::Value& v, uint64_t* out) {
  if (v.IsBigInt()) {
    bool lossless = false;
    *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) {
      ThrowTypeError(env, "ERR_OUT_OF_RANGE", "sequence number must be a bigint in [0, 2^64)");
      return false;
    }
    return true;
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "sequence number must be a bigint");
  return false;
}

class ReplayWindowWrap : public Napi::ObjectWrap<ReplayWindowWrap> {
 public:
  explicit ReplayWindowWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReplayWindowWrap>(info) {
    Napi::Env env = info.Env();
    uint32_t size = 0;
    if (!GetUint32(env, info[0], "size", &size)) return;
    if (size > ReplayWindow::kMaxSize) {
      ThrowError(env, "ERR_OUT_OF_RANGE", "replay window size must be at most " + std::to_string(ReplayWindow::kMaxSize));
      return;
    }
    window_.reset(new ReplayWindow(size, info[1].ToBoolean().Value()));
  }

  Napi::Value Check(const Napi::CallbackInfo& info) {
    uint64_t seq;
    if (!GetSeq(info.Env(), info[0], &seq)) return Napi::Value();
    return Napi::Number::New(info.Env(), static_cast<int>(window_->Check(seq)));
  }
  Napi::Value Update(const Napi::CallbackInfo& info) {
    uint64_t seq;
    if (!GetSeq(info.Env(), info[0], &seq)) return Napi::Value();
    window_->Update(seq);
    return info.Env().Undefined();
  }
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    uint64_t seq;
    if (!GetSeq(info.Env(), info[0], &seq)) return Napi::Value();
    window_->Reset(seq);
    return info.Env().Undefined();
  }
  Napi::Value Infer(const Napi::CallbackInfo& info) {
    uint32_t low;
    if (!GetUint32(info.Env(), info[0], "low", &low)) return Napi::Value();
    return Napi::BigInt::New(info.Env(), window_->Infer(low));
  }
  Napi::Value Top(const Napi::CallbackInfo& info) { return Napi::BigInt::New(info.Env(), window_->top()); }
  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), window_->size()); }

 private:
  std::unique_ptr<ReplayWindow> window_;
};

}  // namespace

void InitReplay(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = ReplayWindowWrap::DefineClass(env, kCtorName,
                                                      {
                                                          ReplayWindowWrap::InstanceMethod<&ReplayWindowWrap::Check>("check"),
                                                          ReplayWindowWrap::InstanceMethod<&ReplayWindowWrap::Update>("update"),
                                                          ReplayWindowWrap::InstanceMethod<&ReplayWindowWrap::Reset>("reset"),
                                                          ReplayWindowWrap::InstanceMethod<&ReplayWindowWrap::Infer>("infer"),
                                                          ReplayWindowWrap::InstanceAccessor<&ReplayWindowWrap::Top>("top"),
                                                          ReplayWindowWrap::InstanceAccessor<&ReplayWindowWrap::Size>("size"),
                                                      });
  GetAddonData(env)->constructors[kCtorName] = Napi::Persistent(ctor);
  exports.Set(kCtorName, ctor);
}
