#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <string>

#include "common.h"
#include "secret.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

// ---- plain C++ core ----

NetlinkFd::~NetlinkFd() { Close(); }

int NetlinkFd::Open(int protocol, const std::vector<uint32_t>& groups, int rcvbuf) {
  Close();
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  if (fd < 0) return errno;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  socklen_t len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  int one = 1;
  // Best effort: older kernels lack them, and nothing breaks without them but the error text.
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  for (uint32_t group : groups) {
    if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
      int err = errno;
      close(fd);
      return err;
    }
  }
  fd_ = fd;
  port_id_ = local.nl_pid;
  return 0;
}

int NetlinkFd::Send(const uint8_t* data, size_t size) const {
  if (fd_ < 0) return EBADF;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t n;
  do {
    n = sendto(fd_, data, size, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  return static_cast<size_t>(n) == size ? 0 : EMSGSIZE;
}

long NetlinkFd::Receive(uint8_t* buf, size_t size) const {
  if (fd_ < 0) return -EBADF;
  sockaddr_nl from{};
  iovec iov{buf, size};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    n = recvmsg(fd_, &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  if (msg.msg_flags & MSG_TRUNC) return -EMSGSIZE;
  // Only the kernel (port 0) may speak to us: a forged message from another process is dropped.
  if (from.nl_pid != 0) return 0;
  return static_cast<long>(n);
}

void NetlinkFd::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  port_id_ = 0;
}

// ---- JavaScript face ----

namespace {

constexpr const char* kCtorName = "NetlinkSocket";
// Large enough for any datagram the kernel builds for a dump (it caps them at 32 KiB).
constexpr size_t kReceiveSize = 64 * 1024;
// Datagrams read per poll wake-up before yielding back to the loop.
constexpr int kReadsPerWake = 64;

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err) {
  std::string text = std::string(syscall) + ": " + strerror(err);
  Napi::Error error = Napi::Error::New(env, text);
  error.Set("code", Napi::String::New(env, "ERR_NETLINK_SOCKET"));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

class NetlinkSocket;

// Owned by libuv from uv_poll_init until its close callback: it outlives the JavaScript object when that
// is collected while the handle is still closing.
struct PollState {
  uv_poll_t handle;
  NetlinkSocket* owner = nullptr;
  NetlinkFd fd;
};

class NetlinkSocket : public Napi::ObjectWrap<NetlinkSocket> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, kCtorName,
                                      {
                                          InstanceMethod("send", &NetlinkSocket::Send),
                                          InstanceMethod("close", &NetlinkSocket::CloseMethod),
                                          InstanceMethod("ref", &NetlinkSocket::Ref),
                                          InstanceMethod("unref", &NetlinkSocket::Unref),
                                          InstanceAccessor("portId", &NetlinkSocket::PortId, nullptr),
                                          InstanceAccessor("closed", &NetlinkSocket::Closed, nullptr),
                                      });
    exports.Set(kCtorName, ctor);
    GetAddonData(env)->constructors[kCtorName] = Napi::Persistent(ctor);
  }

  // new NetlinkSocket(protocol, groups: number[], onDatagram(err, buffer), rcvbuf?)
  explicit NetlinkSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkSocket>(info) {
    Napi::Env env = info.Env();
    uint32_t protocol = 0;
    if (!GetUint32(env, info[0], "protocol", &protocol)) return;
    if (!info[1].IsArray()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "groups must be an array of group numbers");
      return;
    }
    Napi::Array list = info[1].As<Napi::Array>();
    std::vector<uint32_t> groups;
    for (uint32_t i = 0; i < list.Length(); i++) {
      uint32_t group = 0;
      if (!GetUint32(env, list.Get(i), "group", &group)) return;
      if (group == 0 || group > 31) {
        ThrowTypeError(env, "ERR_OUT_OF_RANGE", "a netlink group number must be 1..31");
        return;
      }
      groups.push_back(group);
    }
    if (!info[2].IsFunction()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "onDatagram must be a function");
      return;
    }
    uint32_t rcvbuf = 0;
    if (info.Length() > 3 && !info[3].IsUndefined() && !GetUint32(env, info[3], "rcvbuf", &rcvbuf)) return;
    if (rcvbuf > 64u * 1024 * 1024) {
      ThrowTypeError(env, "ERR_OUT_OF_RANGE", "rcvbuf must be at most 64 MiB");
      return;
    }

    std::unique_ptr<PollState> state(new PollState());
    int err = state->fd.Open(static_cast<int>(protocol), groups, static_cast<int>(rcvbuf));
    if (err != 0) {
      ErrnoError(env, "socket(AF_NETLINK)", err).ThrowAsJavaScriptException();
      return;
    }
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr ||
        uv_poll_init(loop, &state->handle, state->fd.fd()) != 0) {
      ThrowError(env, "ERR_NETLINK_SOCKET", "could not watch the netlink socket on the event loop");
      return;  // state (and its fd) is freed: libuv never saw a handle it owns
    }
    state->owner = this;
    state->handle.data = state.get();
    if (uv_poll_start(&state->handle, UV_READABLE, &NetlinkSocket::OnReadable) != 0) {
      state_ = state.release();
      CloseHandle();
      ThrowError(env, "ERR_NETLINK_SOCKET", "could not poll the netlink socket");
      return;
    }
    state_ = state.release();
    callback_ = Napi::Persistent(info[2].As<Napi::Function>());
    context_.reset(new Napi::AsyncContext(env, "NetlinkSocket"));
    buffer_.resize(kReceiveSize);
  }

  ~NetlinkSocket() override { CloseHandle(); }

 private:
  // send(request: Uint8Array, patches?: Array<[offset, SecretBytes]>): key bytes are copied into a
  // native copy of the request just before sendto and wiped right after, so they never enter JS memory.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (state_ == nullptr) {
      ThrowError(env, "ERR_NETLINK_CLOSED", "the netlink socket is closed");
      return env.Undefined();
    }
    ByteView request;
    if (!GetBytes(env, info[0], "request", &request)) return env.Undefined();
    if (request.size < 16) {
      ThrowTypeError(env, "ERR_IPSEC_BAD_LENGTH", "a netlink request is at least one 16-byte header");
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
          ThrowTypeError(env, "ERR_IPSEC_BAD_LENGTH", "a patch runs past the end of the request");
          return env.Undefined();
        }
        if (bytes.size() > 0) memcpy(message.data() + offset, bytes.data(), bytes.size());
      }
    }
    int err = state_->fd.Send(message.data(), message.size());
    if (err != 0) ErrnoError(env, "sendto", err).ThrowAsJavaScriptException();
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

  Napi::Value PortId(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), state_ != nullptr ? state_->fd.port_id() : 0);
  }

  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_ == nullptr); }

  void CloseHandle() {
    if (state_ == nullptr) return;
    PollState* state = state_;
    state_ = nullptr;
    state->owner = nullptr;
    uv_poll_stop(&state->handle);
    // The fd is closed with the state, after libuv let go of the handle.
    uv_close(reinterpret_cast<uv_handle_t*>(&state->handle),
             [](uv_handle_t* handle) { delete static_cast<PollState*>(handle->data); });
  }

  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    PollState* state = static_cast<PollState*>(handle->data);
    if (state->owner != nullptr) state->owner->Drain(status);
  }

  // Calls onDatagram(err, buffer) for each queued datagram; stops when the callback closed the socket.
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
      if (n == 0) continue;
      if (n < 0) {
        // ENOBUFS: the kernel dropped messages (event storm); the listener must resynchronise.
        Deliver(ErrnoError(env, "recvmsg", static_cast<int>(-n)).Value(), env.Null());
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
      // A throwing listener is the application's bug: report it like any uncaught exception.
      Napi::Error error = env.GetAndClearPendingException();
      napi_fatal_exception(env, error.Value());
    }
  }

  PollState* state_ = nullptr;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> context_;
  std::vector<uint8_t> buffer_;
};

Napi::Value Strerror(const Napi::CallbackInfo& info) {
  uint32_t err = 0;
  if (!GetUint32(info.Env(), info[0], "errno", &err)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), strerror(static_cast<int>(err)));
}

// probeSocket(domain, type, protocol): 0 when such a socket can be opened (it is closed at once), else
// the errno (EAFNOSUPPORT for AF_KEY on a kernel without PF_KEY).
Napi::Value ProbeSocket(const Napi::CallbackInfo& info) {
  uint32_t domain = 0, type = 0, protocol = 0;
  if (!GetUint32(info.Env(), info[0], "domain", &domain) || !GetUint32(info.Env(), info[1], "type", &type) ||
      !GetUint32(info.Env(), info[2], "protocol", &protocol)) {
    return info.Env().Undefined();
  }
  int fd = socket(static_cast<int>(domain), static_cast<int>(type) | SOCK_CLOEXEC, static_cast<int>(protocol));
  int err = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  return Napi::Number::New(info.Env(), err);
}

}  // namespace

void InitNetlink(Napi::Env env, Napi::Object exports) {
  NetlinkSocket::Init(env, exports);
  exports.Set("netlinkStrerror", Napi::Function::New(env, Strerror, "netlinkStrerror"));
  exports.Set("probeSocket", Napi::Function::New(env, ProbeSocket, "probeSocket"));
}
