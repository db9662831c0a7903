#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
const KernelSocketNames kNames{kCtorName, "ERR_NETLINK_SOCKET", "ERR_NETLINK_CLOSED", "netlink socket", "sendto", "recvmsg"};

bool CheckRequest(Napi::Env env, size_t size) {
  if (size >= 16) return true;
  ThrowTypeError(env, "ERR_IPSEC_BAD_LENGTH", "a netlink request is at least one 16-byte header");
  return false;
}

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
    std::unique_ptr<NetlinkFd> fd(new NetlinkFd());
    int err = fd->Open(static_cast<int>(protocol), groups, static_cast<int>(rcvbuf));
    if (err != 0) {
      KernelSocketError(env, kNames.errorCode, "socket(AF_NETLINK)", err).ThrowAsJavaScriptException();
      return;
    }
    poller_.Start(env, std::move(fd), info[2].As<Napi::Function>(), kNames, kReceiveSize);
  }

 private:
  // send(request: Uint8Array, patches?: Array<[offset, SecretBytes]>): key bytes are copied into a
  // native copy of the request just before sendto and wiped right after, so they never enter JS memory.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    poller_.Send(info, CheckRequest);
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

  Napi::Value PortId(const Napi::CallbackInfo& info) {
    const KernelSocketFd* fd = poller_.fd();
    return Napi::Number::New(info.Env(), fd != nullptr ? static_cast<const NetlinkFd*>(fd)->port_id() : 0);
  }

  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), poller_.closed()); }

  KernelSocketPoller poller_;
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
