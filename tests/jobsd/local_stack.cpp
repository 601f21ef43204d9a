#include "jobsd/local_stack.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>

#include <sys/stat.h>

#include <fstream>
#include <random>
#include <thread>

#include "sigv4/openssl_primitives.hpp"
#include "support/build_paths.hpp"

namespace awsfota::jobsd::testing {
namespace {

namespace mqtt = adapters::mosquitto;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kServiceClientId = "awsfota-jobsd";

bool wait_until(const std::function<bool()>& condition, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A key pair shaped like AWS's: a 20-character id starting AKIA, a 40-character secret.
sigv4::SigV4Credentials generate_credentials() {
  static constexpr char kIdChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  static constexpr char kSecretChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::random_device seed;
  std::mt19937_64 rng(seed());
  auto pick = [&](const char* chars, std::size_t n, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(chars[rng() % n]);
    return out;
  };
  return {"AKIA" + pick(kIdChars, sizeof kIdChars - 1, 16), pick(kSecretChars, sizeof kSecretChars - 1, 40), ""};
}

}  // namespace

// --- TestDevice ------------------------------------------------------------------------------------

TestDevice::TestDevice(std::unique_ptr<mqtt::Client> client, std::string thing)
    : client_(std::move(client)), thing_(std::move(thing)) {
  client_->on_message([this](const std::string& topic, const std::string& payload) {
    auto body = nlohmann::json::parse(payload, nullptr, false);
    inbox_.push_back({topic, body.is_discarded() ? nlohmann::json(payload) : body});
  });
  client_->on_connection([this](bool up, const std::string&) { sessions_ += up ? 1 : 0; });
}

void TestDevice::pump(milliseconds timeout) { (void)client_->run_once(timeout); }

Expected<void, mqtt::MqttError> TestDevice::connect() { return client_->connect(milliseconds(5000)); }

void TestDevice::subscribe(const std::string& filter) { (void)client_->subscribe(filter, 1); }

void TestDevice::publish(const std::string& topic, const std::string& payload) {
  if (auto r = client_->publish(topic, payload, 1); !r) ADD_FAILURE_AT(__FILE__, __LINE__) << r.error().message;
  pump(milliseconds(1));
}

std::optional<Message> TestDevice::wait_for(const std::string& topic, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
      if (it->topic == topic) {
        Message m = std::move(*it);
        inbox_.erase(it);
        return m;
      }
    }
    if (Clock::now() >= deadline) return std::nullopt;
    pump(milliseconds(10));
  }
}

std::optional<Message> TestDevice::request(const std::string& op, const std::string& payload, milliseconds timeout) {
  publish(topic(op), payload);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
      if (it->topic == topic(op) + "/accepted" || it->topic == topic(op) + "/rejected") {
        Message m = std::move(*it);
        inbox_.erase(it);
        return m;
      }
    }
    if (Clock::now() >= deadline) return std::nullopt;
    pump(milliseconds(10));
  }
}

std::vector<Message> TestDevice::drain(milliseconds duration) {
  const auto deadline = Clock::now() + duration;
  while (Clock::now() < deadline) pump(milliseconds(10));
  std::vector<Message> out(inbox_.begin(), inbox_.end());
  inbox_.clear();
  return out;
}

bool TestDevice::wait_reconnected(milliseconds timeout) {
  // Until it reads from the socket, the client cannot know that the connection is gone: connected()
  // alone would let a publish go into the dead one.
  const int before = sessions_;
  const auto deadline = Clock::now() + timeout;
  while (sessions_ == before && Clock::now() < deadline) pump(milliseconds(10));
  return sessions_ > before;
}

// --- LocalStack ------------------------------------------------------------------------------------

Expected<std::unique_ptr<LocalStack>, std::string> LocalStack::start(const std::filesystem::path& dir,
                                                                    StackOptions options) {
  std::unique_ptr<LocalStack> stack(new LocalStack());
  stack->dir_ = dir;
  stack->options_ = options;
  auto pki = Pki::create(dir / "pki", "awsfota jobsd test CA");
  if (!pki) return unexpected(pki.error());
  stack->pki_ = std::move(*pki);
  auto server = stack->pki_->issue("broker", {"IP:127.0.0.1", "DNS:localhost"});
  if (!server) return unexpected(server.error());
  stack->server_ = *server;
  auto service = stack->pki_->issue(kServiceClientId, {}, awsfota::testing::CertUsage::Client);
  if (!service) return unexpected(service.error());
  stack->service_cert_ = *service;
  stack->credentials_ = generate_credentials();
  {
    const auto file = dir / "credentials";
    std::ofstream(file) << "[default]\naws_access_key_id = " << stack->credentials_.access_key_id
                        << "\naws_secret_access_key = " << stack->credentials_.secret_access_key << "\n";
    ::chmod(file.c_str(), 0600);
  }
  if (auto b = stack->start_broker(); !b) return unexpected(b.error());
  if (auto s = stack->start_service(); !s) return unexpected(s.error());
  return stack;
}

LocalStack::~LocalStack() {
  if (service_) service_->stop();
  if (broker_) broker_->stop();
}

Expected<void, std::string> LocalStack::start_broker() {
  // The same rules scripts/stack writes: TLS with client certificates, CN as user name, each thing
  // on its own topics only, the service on all of them.
  {
    std::ofstream acl(dir_ / "mosquitto.acl");
    acl << "pattern readwrite $aws/things/%u/#\n\nuser " << kServiceClientId << "\ntopic readwrite $aws/things/#\n";
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    mqtt_port_ = awsfota::testing::free_port();
    {
      std::ofstream conf(dir_ / "mosquitto.conf");
      conf << "per_listener_settings false\n"
           // The service's persistent session (subscriptions, requests queued for it) outlives a broker
           // restart: a request a device sends before the service has reconnected is not lost.
           << "persistence true\n"
           << "persistence_location " << dir_.string() << "/\n"
           << "user root\n"  // without it mosquitto, started as root, drops to 'mosquitto' and cannot read the key
           << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
           << "log_type error\nlog_type warning\nlog_type notice\nlog_type subscribe\n"
           << "acl_file " << (dir_ / "mosquitto.acl").string() << "\n"
           << "listener " << mqtt_port_ << " 127.0.0.1\n"
           << "cafile " << pki_->ca_cert().string() << "\n"
           << "certfile " << server_.cert.string() << "\n"
           << "keyfile " << server_.key.string() << "\n"
           << "require_certificate true\n"
           << "use_identity_as_username true\n"
           << "use_username_as_clientid true\n"  // a thing cannot take over the service's session
           << "message_size_limit 131072\n";
    }
    broker_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"mosquitto", "-c", (dir_ / "mosquitto.conf").string()}, dir_ / "mosquitto.out");
    if (awsfota::testing::wait_for_port(mqtt_port_, milliseconds(3000))) return {};
    broker_->stop();
  }
  return unexpected("mosquitto did not start; see " + (dir_ / "mosquitto.log").string() + ": " +
                    read_text(dir_ / "mosquitto.out") + read_text(dir_ / "mosquitto.log"));
}

Expected<void, std::string> LocalStack::start_service() {
  const auto port_file = dir_ / "http.port";
  std::filesystem::remove(port_file);
  ++service_starts_;
  std::vector<std::string> argv{awsfota::testing::program("awsfota-jobsd").string(), "--db", (dir_ / "jobsd.db").string(), "--mqtt-port",
                               std::to_string(mqtt_port_), "--ca", pki_->ca_cert().string(), "--cert",
                               service_cert_.cert.string(), "--key", service_cert_.key.string(), "--http-port",
                               http_port_ == 0 ? "0" : std::to_string(http_port_), "--port-file", port_file.string(),
                               "--minute-ms", std::to_string(options_.minute_ms), "--files-url",
                               options_.files_url, "--link-secret", "test-secret"};
  if (!options_.documents_url.empty()) argv.insert(argv.end(), {"--documents-url", options_.documents_url});
  if (options_.anonymous) {
    argv.emplace_back("--anonymous");
  } else {
    argv.insert(argv.end(), {"--credentials-file", (dir_ / "credentials").string()});
  }
  argv.insert(argv.end(), {"--api-requests-per-second", std::to_string(options_.api_requests_per_second)});
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  service_ = std::make_unique<ChildProcess>(
      argv, dir_ / ("jobsd-" + std::to_string(service_starts_) + ".log"));
  const bool ready = wait_until([&] { return !read_text(port_file).empty(); }, milliseconds(10000));
  if (!ready) {
    return unexpected("awsfota-jobsd did not become ready: " +
                      read_text(dir_ / ("jobsd-" + std::to_string(service_starts_) + ".log")));
  }
  http_port_ = static_cast<std::uint16_t>(std::stoi(read_text(port_file)));
  return {};
}

Expected<void, std::string> LocalStack::restart_service() {
  service_->stop();
  return start_service();
}

void LocalStack::stop_broker() { broker_->stop(); }

std::string LocalStack::service_log() const {
  return read_text(dir_ / ("jobsd-" + std::to_string(service_starts_) + ".log"));
}

Expected<void, std::string> LocalStack::restart_broker() {
  broker_->stop();
  broker_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"mosquitto", "-c", (dir_ / "mosquitto.conf").string()}, dir_ / "mosquitto.out");
  if (awsfota::testing::wait_for_port(mqtt_port_, milliseconds(5000))) return {};
  return unexpected("mosquitto did not restart on port " + std::to_string(mqtt_port_) + ": " +
                    read_text(dir_ / "mosquitto.log"));
}

void LocalStack::pause_service() { ::kill(service_->pid(), SIGSTOP); }

void LocalStack::resume_service() { ::kill(service_->pid(), SIGCONT); }

Expected<std::unique_ptr<TestDevice>, std::string> LocalStack::device(const std::string& thing) {
  auto cert = pki_->issue(thing, {}, awsfota::testing::CertUsage::Client);
  if (!cert) return unexpected(cert.error());
  auto client = mqtt::Client::create({.host = "127.0.0.1",
                                      .port = mqtt_port_,
                                      .client_id = thing,
                                      .tls = mqtt::TlsFiles{pki_->ca_cert().string(), cert->cert.string(),
                                                            cert->key.string()}});
  if (!client) return unexpected(client.error().message);
  auto device = std::make_unique<TestDevice>(std::move(*client), thing);
  if (auto c = device->connect(); !c) return unexpected(c.error().message);
  device->subscribe(device->topic("#"));
  // An answered get proves the subscription is in place at the broker: later replies will arrive.
  if (!device->request("get", "{}", milliseconds(5000))) return unexpected("no answer to get for " + thing);
  (void)device->drain(milliseconds(0));
  return device;
}

Expected<void, mqtt::MqttError> LocalStack::try_connect(const std::string& client_id,
                                                        std::optional<mqtt::TlsFiles> tls) {
  auto client = mqtt::Client::create({.host = "127.0.0.1", .port = mqtt_port_, .client_id = client_id, .tls = tls});
  if (!client) return unexpected(client.error());
  auto r = (*client)->connect(milliseconds(3000));
  if (r) (*client)->disconnect();
  return r;
}

std::vector<std::pair<std::string, std::string>> sigv4_headers(const sigv4::SigV4Credentials& credentials,
                                                              const std::string& method, std::uint16_t port,
                                                              const std::string& path, const std::string& body,
                                                              std::int64_t unix_time) {
  const auto p = sigv4::openssl_sigv4_primitives();
  const auto q = path.find('?');
  sigv4::SigV4Request req{method, "127.0.0.1:" + std::to_string(port), path.substr(0, q), {}, {},
                          sigv4::hex_lower(p.sha256(body)), true};
  if (q != std::string::npos) {
    std::string_view query(path);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto item = query.substr(0, amp);
      const auto eq = item.find('=');
      req.query.emplace_back(sigv4::percent_decode(item.substr(0, eq)),
                             eq == std::string_view::npos ? "" : sigv4::percent_decode(item.substr(eq + 1)));
      query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    }
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (method == "POST" || method == "PUT") req.headers.emplace_back("Content-Type", "application/json");
  const auto when = unix_time ? unix_time : static_cast<std::int64_t>(std::time(nullptr));
  for (auto& h : sigv4::sign_request(req, credentials, {sigv4::amz_date_from_unix(when), "us-east-1", "iot"}, p))
    headers.push_back(std::move(h));
  return headers;
}

std::vector<std::pair<std::string, std::string>> LocalStack::aws_env() const {
  return {{"AWS_ACCESS_KEY_ID", credentials_.access_key_id},
          {"AWS_SECRET_ACCESS_KEY", credentials_.secret_access_key},
          {"AWS_DEFAULT_REGION", "us-east-1"}};
}

RestResult LocalStack::rest(const std::string& method, const std::string& path, const std::string& body) {
  return rest(method, path, body, RestSigning{});
}

RestResult LocalStack::rest(const std::string& method, const std::string& path, const std::string& body,
                            const RestSigning& signing) {
  httplib::Client http("127.0.0.1", http_port_);
  http.set_read_timeout(5, 0);
  httplib::Headers headers;
  if (signing.sign) {
    for (auto& [name, value] : sigv4_headers(signing.credentials.value_or(credentials_), method, http_port_, path, body,
                                             signing.unix_time))
      headers.emplace(name, value);
  }
  auto r = [&]() -> httplib::Result {
    if (method == "POST") return http.Post(path, headers, body, "application/json");
    if (method == "PUT") return http.Put(path, headers, body, "application/json");
    if (method == "DELETE") return http.Delete(path, headers);
    return http.Get(path, headers);
  }();
  RestResult out;
  if (!r) return out;
  out.status = r->status;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  out.error_type = r->get_header_value("x-amzn-ErrorType");
  return out;
}

}  // namespace awsfota::jobsd::testing
