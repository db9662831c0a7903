#include "pfkey.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "secret.h"

#ifndef PF_KEY
#define PF_KEY 15
#endif
#ifndef PF_KEY_V2
#define PF_KEY_V2 2
#endif

// ---- plain C++ core ----

PfkeyFd::~PfkeyFd() { Close(); }

int PfkeyFd::Open(int rcvbuf) {
  Close();
  int fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, PF_KEY_V2);
  if (fd < 0) return errno;
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  fd_ = fd;
  return 0;
}

int PfkeyFd::Send(const uint8_t* data, size_t size) const {
  if (fd_ < 0) return EBADF;
  ssize_t n;
  do {
    n = send(fd_, data, size, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  return static_cast<size_t>(n) == size ? 0 : EMSGSIZE;
}

long PfkeyFd::Receive(uint8_t* buf, size_t size) const {
  if (fd_ < 0) return -EBADF;
  ssize_t n;
  do {
    n = recv(fd_, buf, size, MSG_DONTWAIT | MSG_TRUNC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  if (static_cast<size_t>(n) > size) return -EMSGSIZE;
  return static_cast<long>(n);
}

void PfkeyFd::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

// ---- JavaScript face ----

namespace {

constexpr const char* kCtorName = "PfkeySocket";
// A PF_KEY message length is a 16-bit count of 8-octet words: 512 KiB is the largest possible.
constexpr size_t kReceiveSize = 65535u * 8u;
constexpr int kReadsPerWake = 64;

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err) {
  std::string text = std::string(syscall) + ": " + strerror(err);
  Napi::Error error = Napi::Error::New(env, text);
  error.Set("code", Napi::String::New(env, "ERR_PFKEY_SOCKET"));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

class PfkeySocket;

// Owned by libuv from uv_poll_init until its close callback (it may outlive the JavaScript object).
struct PollState {
  uv_poll_t handle;
  PfkeySocket* owner = nullptr;
  PfkeyFd fd;
};

class PfkeySocket : public Napi::ObjectWrap<PfkeySocket> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, kCtorName,
                                      {
                                          InstanceMethod("send", &PfkeySocket::Send),
                                          InstanceMethod("close", &PfkeySocket::CloseMethod),
                                          InstanceMethod("ref", &PfkeySocket::Ref),
                                          InstanceMethod("unref", &PfkeySocket::Unref),
                                          InstanceAccessor("closed", &PfkeySocket::Closed, nullptr),
                                      });
    exports.Set(kCtorName, ctor);
    GetAddonData(env)->constructors[kCtorName] = Napi::Persistent(ctor);
  }

  // new PfkeySocket(onMessage(err, buffer), rcvbuf?)
  explicit PfkeySocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PfkeySocket>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "onMessage must be a function");
      return;
    }
    uint32_t rcvbuf = 0;
    if (info.Length() > 1 && !info[1].IsUndefined() && !GetUint32(env, info[1], "rcvbuf", &rcvbuf)) return;
    if (rcvbuf > 64u * 1024 * 1024) {
      ThrowTypeError(env, "ERR_OUT_OF_RANGE", "rcvbuf must be at most 64 MiB");
      return;
    }
    std::unique_ptr<PollState> state(new PollState());
    int err = state->fd.Open(static_cast<int>(rcvbuf));
    if (err != 0) {
      ErrnoError(env, "socket(PF_KEY)", err).ThrowAsJavaScriptException();
      return;
    }
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr ||
        uv_poll_init(loop, &state->handle, state->fd.fd()) != 0) {
      ThrowError(env, "ERR_PFKEY_SOCKET", "could not watch the PF_KEY socket on the event loop");
      return;
    }
    state->owner = this;
    state->handle.data = state.get();
    if (uv_poll_start(&state->handle, UV_READABLE, &PfkeySocket::OnReadable) != 0) {
      state_ = state.release();
      CloseHandle();
      ThrowError(env, "ERR_PFKEY_SOCKET", "could not poll the PF_KEY socket");
      return;
    }
    state_ = state.release();
    callback_ = Napi::Persistent(info[0].As<Napi::Function>());
    context_.reset(new Napi::AsyncContext(env, "PfkeySocket"));
    buffer_.resize(kReceiveSize);
  }

  ~PfkeySocket() override { CloseHandle(); }

 private:
  // send(message: Uint8Array, patches?: Array<[offset, SecretBytes]>): key bytes (SADB_EXT_KEY_*) are
  // copied into a native copy of the message just before the write and wiped right after.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (state_ == nullptr) {
      ThrowError(env, "ERR_PFKEY_CLOSED", "the PF_KEY socket is closed");
      return env.Undefined();
    }
    ByteView request;
    if (!GetBytes(env, info[0], "message", &request)) return env.Undefined();
    if (request.size < 16 || request.size % 8 != 0) {
      ThrowTypeError(env, "ERR_IPSEC_BAD_LENGTH", "a PF_KEY message is a 16-byte header and 8-byte words");
      return env.Undefined();
    }
    SecureBuffer message(request.data, request.size);
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsArray()) {
        ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "patches must be an array of [offset, SecretBytes]");
        return env.Undefined();
      }
      Napi::Array patches = info[1].As<Napi::Array>();
      for (uint32_t i = 0; i < patches.Length(); i++) {
        Napi::Value entry = patches.Get(i);
        if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 2) {
          ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "each patch must be [offset, SecretBytes]");
          return env.Undefined();
        }
        Napi::Array pair = entry.As<Napi::Array>();
        size_t offset = 0;
        if (!GetSize(env, pair.Get(0u), "patch offset", &offset)) return env.Undefined();
        SecretBytes* secret = SecretBytes::FromValue(env, pair.Get(1u));
        if (secret == nullptr) {
          ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "a patch's bytes must be a SecretBytes");
          return env.Undefined();
        }
        const SecureBuffer& bytes = secret->bytes();
        if (offset > message.size() || bytes.size() > message.size() - offset) {
          ThrowTypeError(env, "ERR_IPSEC_BAD_LENGTH", "a patch runs past the end of the message");
          return env.Undefined();
        }
        if (bytes.size() > 0) memcpy(message.data() + offset, bytes.data(), bytes.size());
      }
    }
    int err = state_->fd.Send(message.data(), message.size());
    if (err != 0) ErrnoError(env, "send", err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  Napi::Value CloseMethod(const Napi::CallbackInfo& info) {
    CloseHandle();
    callback_.Reset();
    return info.Env().Undefined();
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (state_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(&state_->handle));
    return info.Env().Undefined();
  }

  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (state_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(&state_->handle));
    return info.Env().Undefined();
  }

  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_ == nullptr); }

  void CloseHandle() {
    if (state_ == nullptr) return;
    PollState* state = state_;
    state_ = nullptr;
    state->owner = nullptr;
    uv_poll_stop(&state->handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&state->handle),
             [](uv_handle_t* handle) { delete static_cast<PollState*>(handle->data); });
  }

  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    PollState* state = static_cast<PollState*>(handle->data);
    if (state->owner != nullptr) state->owner->Drain(status);
  }

  void Drain(int status) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (status < 0) {
      Deliver(ErrnoError(env, "poll", -status).Value(), env.Null());
      return;
    }
    for (int i = 0; i < kReadsPerWake && state_ != nullptr; i++) {
      long n = state_->fd.Receive(buffer_.data(), buffer_.size());
      if (n == -EAGAIN) return;
      if (n < 0) {
        Deliver(ErrnoError(env, "recv", static_cast<int>(-n)).Value(), env.Null());
        continue;
      }
      Deliver(env.Null(), CopyToBuffer(env, buffer_.data(), static_cast<size_t>(n)));
    }
  }

  void Deliver(Napi::Value err, Napi::Value data) {
    if (callback_.IsEmpty()) return;
    Napi::Env env = Env();
    callback_.MakeCallback(Value(), {err, data}, *context_);
    if (env.IsExceptionPending()) {
      Napi::Error error = env.GetAndClearPendingException();
      napi_fatal_exception(env, error.Value());
    }
  }

  PollState* state_ = nullptr;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> context_;
  std::vector<uint8_t> buffer_;
};

}  // namespace

void InitPfkey(Napi::Env env, Napi::Object exports) { PfkeySocket::Init(env, exports); }
