#include "pfkey.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
const KernelSocketNames kNames{kCtorName, "ERR_PFKEY_SOCKET", "ERR_PFKEY_CLOSED", "PF_KEY socket", "send", "recv"};

bool CheckMessage(Napi::Env env, size_t size) {
  if (size >= 16 && size % 8 == 0) return true;
  ThrowTypeError(env, "ERR_IPSEC_BAD_LENGTH", "a PF_KEY message is a 16-byte header and 8-byte words");
  return false;
}

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
    std::unique_ptr<PfkeyFd> fd(new PfkeyFd());
    int err = fd->Open(static_cast<int>(rcvbuf));
    if (err != 0) {
      KernelSocketError(env, kNames.errorCode, "socket(PF_KEY)", err).ThrowAsJavaScriptException();
      return;
    }
    poller_.Start(env, std::move(fd), info[0].As<Napi::Function>(), kNames, kReceiveSize);
  }

 private:
  // send(message: Uint8Array, patches?: Array<[offset, SecretBytes]>): key bytes (SADB_EXT_KEY_*) are
  // copied into a native copy of the message just before the write and wiped right after.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    poller_.Send(info, CheckMessage);
    return info.Env().Undefined();
  }

  Napi::Value CloseMethod(const Napi::CallbackInfo& info) {
    poller_.Close();
    return info.Env().Undefined();
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    poller_.Ref();
    return info.Env().Undefined();
  }

  Napi::Value Unref(const Napi::CallbackInfo& info) {
    poller_.Unref();
    return info.Env().Undefined();
  }

  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), poller_.closed()); }

  KernelSocketPoller poller_;
};

}  // namespace

void InitPfkey(Napi::Env env, Napi::Object exports) { PfkeySocket::Init(env, exports); }
