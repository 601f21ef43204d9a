// A throwaway PKI made with the openssl CLI: a CA, then server or client certificates it signs.
// For tests and the local stack (nginx HTTPS, Mosquitto with client certificates).
//
//   TempDir dir("pki");
//   auto pki = Pki::create(dir.path());                                  // ca.pem, ca.key
//   auto server = pki->issue("server", {"IP:127.0.0.1", "DNS:localhost"});  // server.pem, server.key
//   auto device = pki->issue("thing-1", {}, CertUsage::Client);          // CN=thing-1
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::testing {

enum class CertUsage { Server, Client };

struct CertFiles {
  std::filesystem::path cert;  // PEM
  std::filesystem::path key;   // PEM, unencrypted, P-256
};

class Pki {
 public:
  // Makes dir/ca.pem and dir/ca.key (EC P-256, valid 2 days).
  [[nodiscard]] static Expected<Pki, std::string> create(const std::filesystem::path& dir,
                                                         const std::string& ca_name = "awsfota test CA");

  // Makes dir/<name>.pem and dir/<name>.key with CN=name and the given subjectAltNames
  // ("IP:127.0.0.1", "DNS:localhost"), signed by the CA.
  [[nodiscard]] Expected<CertFiles, std::string> issue(const std::string& name, const std::vector<std::string>& sans,
                                                       CertUsage usage = CertUsage::Server) const;

  [[nodiscard]] const std::filesystem::path& ca_cert() const { return ca_.cert; }
  [[nodiscard]] const std::filesystem::path& ca_key() const { return ca_.key; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  CertFiles ca_;
};

}  // namespace awsfota::testing
