#include "support/pki.hpp"

#include <fstream>

#include "support/process.hpp"

namespace awsfota::testing {

Expected<Pki, std::string> Pki::create(const std::filesystem::path& dir, const std::string& ca_name) {
  std::filesystem::create_directories(dir);
  Pki pki;
  pki.dir_ = dir;
  pki.ca_ = {dir / "ca.pem", dir / "ca.key"};
  auto r = run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", pki.ca_.key.string(), "-out", pki.ca_.cert.string(), "-days", "2", "-subj",
                        "/CN=" + ca_name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                        "keyUsage=critical,keyCertSign,cRLSign"});
  if (!r) return unexpected("making the test CA failed: " + r.error());
  return pki;
}

Expected<CertFiles, std::string> Pki::issue(const std::string& name, const std::vector<std::string>& sans,
                                            CertUsage usage) const {
  const CertFiles out{dir_ / (name + ".pem"), dir_ / (name + ".key")};
  const auto csr = dir_ / (name + ".csr");
  const auto ext = dir_ / (name + ".ext");
  {
    std::ofstream e(ext);
    e << "basicConstraints=CA:FALSE\n";
    e << "keyUsage=critical,digitalSignature,keyEncipherment\n";
    e << "extendedKeyUsage=" << (usage == CertUsage::Server ? "serverAuth" : "clientAuth") << "\n";
    if (!sans.empty()) {
      e << "subjectAltName=";
      for (std::size_t i = 0; i < sans.size(); ++i) e << (i ? "," : "") << sans[i];
      e << "\n";
    }
  }
  auto r = run_command({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", out.key.string(), "-out", csr.string(), "-subj", "/CN=" + name});
  if (!r) return unexpected("making the key and request for " + name + " failed: " + r.error());
  r = run_command({"openssl", "x509", "-req", "-in", csr.string(), "-CA", ca_.cert.string(), "-CAkey",
                   ca_.key.string(), "-CAcreateserial", "-out", out.cert.string(), "-days", "2", "-extfile",
                   ext.string()});
  if (!r) return unexpected("signing the certificate for " + name + " failed: " + r.error());
  return out;
}

}  // namespace awsfota::testing
