// The libmosquitto adapter against a real Mosquitto on loopback (TLS is covered by tests/jobsd/), and
// the TLS ClientHello it sends, read by a real `openssl s_server`.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "awsfota/adapters/mosquitto/client.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace awsfota::adapters::mosquitto {
namespace {

using std::chrono::milliseconds;
using awsfota::testing::ChildProcess;
using awsfota::testing::TempDir;

class PlainBroker {
 public:
  explicit PlainBroker(const std::filesystem::path& dir) : dir_(dir), port_(awsfota::testing::free_port()) {
    std::ofstream(dir_ / "mosquitto.conf") << "persistence false\nallow_anonymous true\nlistener " << port_
                                           << " 127.0.0.1\n";
  }
  bool start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"mosquitto", "-c", (dir_ / "mosquitto.conf").string()}, dir_ / "mosquitto.log");
    return awsfota::testing::wait_for_port(static_cast<std::uint16_t>(port_), milliseconds(5000));
  }
  void stop() { process_.reset(); }
  [[nodiscard]] int port() const { return port_; }

 private:
  std::filesystem::path dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

// Pumps `client` until `condition` holds or `timeout` passes.
bool pump_until(Client& client, const std::function<bool()>& condition, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition() && std::chrono::steady_clock::now() < deadline) (void)client.run_once(milliseconds(10));
  return condition();
}

// AWS IoT Core takes MQTT on port 443 only when the client offers ALPN "x-amzn-mqtt-ca". openssl's
// test server prints the protocols a client advertised, which shows what went on the wire.
TEST(MosquittoClient, OffersTheConfiguredAlpnProtocolInItsTlsHello) {
  TempDir dir;
  auto pki = awsfota::testing::Pki::create(dir.path());
  ASSERT_TRUE(pki) << pki.error();
  auto server = pki->issue("server", {"IP:127.0.0.1", "DNS:localhost"});
  ASSERT_TRUE(server) << server.error();
  const auto port = awsfota::testing::free_port();
  const auto log = dir.path() / "s_server.log";
  // s_server quits when its stdin ends; a FIFO opened read-write never ends and never has data.
  const auto fifo = dir.path() / "stdin.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string command = "exec openssl s_server -accept 127.0.0.1:" + std::to_string(port) + " -cert '" +
                              server->cert.string() + "' -key '" + server->key.string() +
                              "' -alpn x-amzn-mqtt-ca 0<>'" + fifo.string() + "'";
  ChildProcess s_server({"sh", "-c", command}, log);
  ASSERT_TRUE(awsfota::testing::wait_for_port(port, milliseconds(5000)));

  auto client = Client::create({.host = "127.0.0.1",
                                .port = port,
                                .client_id = "thing-1",
                                .tls = TlsFiles{.ca_file = pki->ca_cert().string(), .alpn = "x-amzn-mqtt-ca"}});
  ASSERT_TRUE(client) << client.error().message;
  (void)(*client)->connect(milliseconds(1500));  // s_server speaks no MQTT: only the handshake matters

  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (text.find("x-amzn-mqtt-ca") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
    std::ifstream in(log);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  EXPECT_NE(text.find("ALPN protocols advertised by the client: x-amzn-mqtt-ca"), std::string::npos) << text;
}

TEST(MosquittoClient, RejectsBadOptionsWithTheReason) {
  auto no_id = Client::create({.client_id = ""});
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().code, MqttErrorCode::InvalidOptions);
  auto bad_port = Client::create({.port = 70000, .client_id = "c"});
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().message.find("70000"), std::string::npos);
  auto missing = Client::create({.client_id = "c", .tls = TlsFiles{"/nonexistent/ca.pem", "", ""}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, MqttErrorCode::InvalidOptions);
  EXPECT_NE(missing.error().message.find("/nonexistent/ca.pem"), std::string::npos);
  TempDir dir("mqtt-opts");
  std::ofstream(dir.path() / "ca.pem") << "x";
  auto half = Client::create({.client_id = "c", .tls = TlsFiles{(dir.path() / "ca.pem").string(),
                                                                (dir.path() / "ca.pem").string(), ""}});
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().code, MqttErrorCode::InvalidOptions);
}

TEST(MosquittoClient, NothingListeningIsUnreachable) {
  auto client = Client::create({.port = awsfota::testing::free_port(), .client_id = "c"});
  ASSERT_TRUE(client);
  auto r = (*client)->connect(milliseconds(2000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, MqttErrorCode::Unreachable) << r.error().message;
  EXPECT_EQ((*client)->publish("t", "x").error().code, MqttErrorCode::NotConnected);
}

TEST(MosquittoClient, PublishesSubscribesAndReconnectsAfterBrokerRestart) {
  TempDir dir("mqtt-reconnect");
  PlainBroker broker(dir.path());
  ASSERT_TRUE(broker.start());
  auto created = Client::create({.port = broker.port(), .client_id = "c1", .reconnect_min = milliseconds(50),
                                 .reconnect_max = milliseconds(200)});
  ASSERT_TRUE(created);
  Client& client = **created;
  std::vector<std::pair<std::string, std::string>> received;
  std::vector<bool> connection_changes;
  client.on_message([&](const std::string& t, const std::string& p) { received.emplace_back(t, p); });
  client.on_connection([&](bool up, const std::string&) { connection_changes.push_back(up); });
  ASSERT_TRUE(client.connect(milliseconds(3000)));
  EXPECT_TRUE(client.connected());
  ASSERT_TRUE(client.subscribe("a/#", 1));

  // Published until it comes back: the SUBACK may still be on its way.
  auto round_trip = [&](const std::string& payload) {
    received.clear();
    for (int i = 0; i < 50 && received.empty(); ++i) {
      if (client.connected()) (void)client.publish("a/b", payload, 1);
      (void)pump_until(client, [&] { return !received.empty(); }, milliseconds(100));
    }
    return !received.empty() && received.front() == std::make_pair(std::string("a/b"), payload);
  };
  ASSERT_TRUE(round_trip(std::string("one\0two", 7))) << "binary payloads pass unchanged";

  broker.stop();
  EXPECT_TRUE(pump_until(client, [&] { return !client.connected(); }, milliseconds(5000)));
  ASSERT_TRUE(broker.start());
  ASSERT_TRUE(pump_until(client, [&] { return client.connected(); }, milliseconds(10000)));
  EXPECT_TRUE(round_trip("after restart")) << "the subscription is made again on reconnect";
  EXPECT_EQ(connection_changes, (std::vector<bool>{true, false, true}));

  client.disconnect();
  EXPECT_FALSE(client.connected());
}

// A process with hundreds of clients (awsfota-fleet) holds descriptors past FD_SETSIZE (1024), where
// select() cannot look (mosquitto_loop() refused them with "Invalid function arguments"). Here the
// client's socket and socket pair are pushed past 1024 by descriptors held open, and the client still
// connects without waiting (connect_async), subscribes and gets its own message back.
TEST(MosquittoClient, WorksOnDescriptorsPast1024AndConnectsWithoutWaiting) {
  TempDir dir("mqtt-fds");
  PlainBroker broker(dir.path());
  ASSERT_TRUE(broker.start());
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max < 1200) GTEST_SKIP() << "the open-files hard limit is " << limit.rlim_max;
  rlimit raised = limit;
  raised.rlim_cur = std::max<rlim_t>(limit.rlim_cur, 1200);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &raised), 0);
  std::vector<int> held;
  while (held.empty() || held.back() < 1030) {
    const int fd = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(fd, 0);
    held.push_back(fd);
  }
  auto created = Client::create({.port = broker.port(), .client_id = "many-fds"});
  ASSERT_TRUE(created);
  Client& client = **created;
  std::vector<std::string> received;
  client.on_message([&](const std::string&, const std::string& p) { received.push_back(p); });
  ASSERT_TRUE(client.connect_async());
  EXPECT_FALSE(client.connected()) << "connect_async() does not wait for the CONNACK";
  ASSERT_TRUE(pump_until(client, [&] { return client.connected(); }, milliseconds(5000)));
  EXPECT_GT(client.socket(), 1024);
  ASSERT_TRUE(client.subscribe("fds/#", 1));
  for (int i = 0; i < 50 && received.empty(); ++i) {
    (void)client.publish("fds/x", "past 1024", 1);
    (void)pump_until(client, [&] { return !received.empty(); }, milliseconds(100));
  }
  EXPECT_EQ(received, (std::vector<std::string>{"past 1024"}));
  client.disconnect();
  for (const int fd : held) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
}

}  // namespace
}  // namespace awsfota::adapters::mosquitto
