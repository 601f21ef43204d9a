#include "fleet/certs.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

namespace awsfota::fleet {

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "no detail from OpenSSL";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

Cert read_cert(const std::filesystem::path& path) {
  File f(std::fopen(path.c_str(), "r"));
  if (!f) return Cert(nullptr, X509_free);
  return Cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), X509_free);
}

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// The certificate for `thing`, its key written beside it. An empty string when done, else why not.
std::string issue_one(X509* ca, EVP_PKEY* ca_key, const std::filesystem::path& base, const std::string& thing) {
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Cert cert(X509_new(), X509_free);
  if (!key || !cert) return "could not make a key for " + thing + ": " + openssl_error();
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return "no random serial number: " + openssl_error();
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const bool ok = serial_ok && X509_set_version(cert.get(), 2) == 1 &&
                  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600) != nullptr &&
                  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                             reinterpret_cast<const unsigned char*>(thing.c_str()), -1, -1, 0) == 1 &&
                  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca)) == 1 &&
                  X509_set_pubkey(cert.get(), key.get()) == 1 &&
                  add_extension(cert.get(), ca, NID_basic_constraints, "CA:FALSE") &&
                  add_extension(cert.get(), ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
                  add_extension(cert.get(), ca, NID_ext_key_usage, "clientAuth") &&
                  X509_sign(cert.get(), ca_key, EVP_sha256()) > 0;
  if (!ok) return "could not sign the certificate of " + thing + ": " + openssl_error();

  const std::string key_path = base.string() + ".key";
  const std::string cert_path = base.string() + ".pem";
  File kf(std::fopen(key_path.c_str(), "w"));
  if (!kf || ::chmod(key_path.c_str(), 0600) != 0 ||
      PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return "could not write " + key_path;
  }
  File cf(std::fopen(cert_path.c_str(), "w"));
  if (!cf || PEM_write_X509(cf.get(), cert.get()) != 1) return "could not write " + cert_path;
  return {};
}

}  // namespace

Expected<std::size_t, std::string> issue_device_certificates(const std::filesystem::path& ca_cert,
                                                             const std::filesystem::path& ca_key,
                                                             const std::filesystem::path& dir,
                                                             const std::vector<std::string>& things) {
  Cert ca = read_cert(ca_cert);
  if (!ca) return unexpected("cannot read the CA certificate " + ca_cert.string() + ": " + openssl_error());
  File kf(std::fopen(ca_key.c_str(), "r"));
  if (!kf) return unexpected("cannot read the CA key " + ca_key.string() + " (the stack keeps it beside ca.pem)");
  Key key(PEM_read_PrivateKey(kf.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) return unexpected("the CA key " + ca_key.string() + " is not a PEM private key: " + openssl_error());
  if (X509_check_private_key(ca.get(), key.get()) != 1)
    return unexpected("the CA key " + ca_key.string() + " does not belong to " + ca_cert.string());

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unexpected("cannot make " + dir.string() + ": " + ec.message());
  std::size_t issued = 0;
  for (const std::string& thing : things) {
    const auto base = dir / thing;
    if (std::filesystem::exists(base.string() + ".key")) {
      Cert existing = read_cert(base.string() + ".pem");
      if (existing && X509_verify(existing.get(), key.get()) == 1) continue;
    }
    if (auto failed = issue_one(ca.get(), key.get(), base, thing); !failed.empty()) return unexpected(failed);
    ++issued;
  }
  return issued;
}

}  // namespace awsfota::fleet
