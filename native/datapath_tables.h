// The userspace data path's tables: traffic selectors, policies and SAs, and the flow of one IP packet.
// Plain C++ (no napi): worker threads read an immutable Snapshot; the control plane builds a new one and
// swaps it in (RCU by shared_ptr): a worker holds its snapshot for one batch, so a deleted SA is freed (and
// its keys wiped) by whoever drops the last reference, after no worker uses it any more.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "esp.h"

// One subnet each way, a protocol and ports (0 = any). Addresses in network order, IPv4 in the first 4 octets.
struct DpSelector {
  uint8_t family = 4;  // 4 or 6
  uint8_t src[16] = {0};
  uint8_t dst[16] = {0};
  uint8_t srcPrefix = 0;
  uint8_t dstPrefix = 0;
  uint8_t proto = 0;
  uint16_t srcPort = 0;
  uint16_t dstPort = 0;
};

// What the data path reads from an inner IP packet to match selectors.
struct DpFlow {
  uint8_t family = 0;
  uint8_t src[16] = {0};
  uint8_t dst[16] = {0};
  uint8_t proto = 0;
  uint16_t srcPort = 0;  // ICMP: type
  uint16_t dstPort = 0;  // ICMP: code
};

// False if the bytes are not a well-formed IPv4/IPv6 header (too short, bad version, lengths beyond `length`).
bool DpParseFlow(const uint8_t* packet, size_t length, DpFlow* out);
bool DpSelectorMatches(const DpSelector& sel, const DpFlow& flow);
// "10.1.0.0/24" → family, address, prefix; false if malformed or the prefix is too long.
bool DpParseCidr(const std::string& text, uint8_t* family, uint8_t* addr, uint8_t* prefix);
// An IPv4/IPv6 address and a port as a sockaddr; false if the text is not an address.
bool DpParseSockaddr(const std::string& host, uint16_t port, sockaddr_storage* out, socklen_t* length);
std::string DpCidrText(uint8_t family, const uint8_t* addr, uint8_t prefix);

enum class DpAction : uint8_t { kIpsec = 0, kPass = 1, kDrop = 2, kReject = 3, kHold = 4, kTrap = 5 };
enum class DpDirection : uint8_t { kOut = 0, kIn = 1, kFwd = 2 };

struct DpPolicy {
  DpSelector sel;
  DpDirection direction = DpDirection::kOut;
  DpAction action = DpAction::kDrop;
  uint32_t priority = 0;  // lower first (as XFRM)
  uint32_t reqid = 0;
  // trap: one acquire per policy until it is replaced (the daemon then installs a hold or the SA).
  std::shared_ptr<std::atomic<bool>> acquired = std::make_shared<std::atomic<bool>>(false);
  // Outbound packets this policy matched (ipsec_eroute's count; a TSO super-packet counts its segments).
  // Shared by every snapshot's copy; a replacement of the policy (same selector) keeps counting on.
  std::shared_ptr<std::atomic<uint64_t>> packets = std::make_shared<std::atomic<uint64_t>>(0);
};

struct DpLifetimes {
  uint64_t softBytes = 0, hardBytes = 0, softPackets = 0, hardPackets = 0;  // 0 = no limit
};

// One SA direction with its data-path state. Workers use `esp` and write the counters only holding `lock`.
struct DpSa {
  std::unique_ptr<EspSa> esp;
  std::mutex lock;
  uint32_t spi = 0;
  bool outbound = false;
  bool transport = false;  // transport mode: ESP carries the IP payload, the IP header is rebuilt on input
  // Outbound: batches are sent in the order they were sealed (datapath_outbound.cc). The next ticket (under
  // `lock`) and the ticket whose batch may be sent now.
  uint64_t sendTicket = 0;
  std::atomic<uint64_t> sendTurn{0};
  uint32_t reqid = 0;
  sockaddr_storage remote{};  // outbound: where the UDP datagrams go
  socklen_t remoteLength = 0;
  std::string dstText;  // the SA's destination address, for expire events
  DpSelector sel;       // inbound: what the inner packets may be (transport: host addresses as the peer sent them)
  DpLifetimes lifetimes;
  // Written under `lock`, read by anyone.
  std::atomic<uint64_t> bytes{0}, packets{0}, selectorDrops{0};
  std::atomic<int64_t> lastUsed{0};  // seconds since the epoch
  std::atomic<bool> softFired{false}, hardFired{false};
  ~DpSa() {
    if (esp) esp->Wipe();
  }
};

struct DpSnapshot {
  std::vector<DpPolicy> outPolicies;  // sorted: priority, then longer prefixes first
  std::vector<DpPolicy> inPolicies;
  std::unordered_map<uint32_t, std::shared_ptr<DpSa>> inSas;    // by SPI
  std::unordered_map<uint32_t, std::shared_ptr<DpSa>> outSas;   // by reqid (the newest wins)
  std::unordered_map<uint32_t, std::shared_ptr<DpSa>> outBySpi;  // for delete and counters

  const DpPolicy* MatchOut(const DpFlow& flow) const;
  void SortPolicies();
};

// Control-plane side: the current snapshot and copy-on-write updates (one writer at a time: the JS thread).
class DpTables {
 public:
  DpTables();
  std::shared_ptr<const DpSnapshot> Load() const { return std::atomic_load(&current_); }
  // Errors: a reason in `error`, nothing changed.
  bool AddSa(std::shared_ptr<DpSa> sa, bool replace, std::string* error);
  bool DelSa(uint32_t spi, bool outbound, std::string* error);
  std::shared_ptr<DpSa> FindSa(uint32_t spi, bool outbound) const;
  bool AddPolicy(const DpPolicy& policy, bool replace, std::string* error);
  bool DelPolicy(const DpSelector& sel, DpDirection direction, std::string* error);
  // False if there is no such policy.
  bool PolicyPackets(const DpSelector& sel, DpDirection direction, uint64_t* packets) const;
  size_t PolicyCount() const;
  void Flush();

 private:
  void Publish(std::shared_ptr<DpSnapshot> next) { std::atomic_store(&current_, std::shared_ptr<const DpSnapshot>(next)); }
  std::shared_ptr<const DpSnapshot> current_;
};

bool DpSameSelector(const DpSelector& a, const DpSelector& b);
