// Where the FOTA checkpoint lives: the CheckpointStore seam, a file backend and an in-memory backend.
//
// Contract of every CheckpointStore (the engine relies on it to survive power loss):
//  - save() returns only once the checkpoint is durable: after a power loss at any moment, load()
//    returns either the previous checkpoint or the new one, never a mixture.
//  - load() returns nullopt when nothing is saved, the checkpoint when one is, and an error when
//    something is stored but unusable (damaged, unknown version): the caller starts clean and says so.
//  - clear() is durable too; clearing when nothing is stored succeeds.
//  - Not thread-safe; one owner.
//
//   awsfota::store::FileCheckpointStore store("/var/lib/awsfota/checkpoint");
//   if (auto saved = store.save(cp); !saved) log(saved.error().message);
//   auto loaded = store.load();
//   if (!loaded) start_clean(loaded.error().message);
//   else if (*loaded) resume(**loaded);
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "awsfota/expected.hpp"
#include "awsfota/store/checkpoint.hpp"

namespace awsfota::store {

enum class StoreErrorCode {
  Io,           // the storage failed (message holds the path and the system error)
  Unreadable,   // something is stored but cannot be used (see `checkpoint_error`)
  Unstorable,   // save() refused a checkpoint that could not be loaded back (a field over its limit,
                // see `checkpoint_error`); the stored checkpoint is unchanged
};

struct StoreError {
  StoreErrorCode code = StoreErrorCode::Io;
  std::string message;
  std::optional<CheckpointErrorCode> checkpoint_error;  // set for Unreadable and Unstorable
};

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  [[nodiscard]] virtual Expected<std::optional<Checkpoint>, StoreError> load() = 0;
  [[nodiscard]] virtual Expected<void, StoreError> save(const Checkpoint& checkpoint) = 0;
  [[nodiscard]] virtual Expected<void, StoreError> clear() = 0;
};

// A checkpoint file written atomically: temporary file in the same directory, fsync, rename over the
// target, fsync of the directory. The directory must exist.
class FileCheckpointStore final : public CheckpointStore {
 public:
  explicit FileCheckpointStore(std::filesystem::path path);
  [[nodiscard]] Expected<std::optional<Checkpoint>, StoreError> load() override;
  [[nodiscard]] Expected<void, StoreError> save(const Checkpoint& checkpoint) override;
  [[nodiscard]] Expected<void, StoreError> clear() override;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

// Keeps the encoded bytes in memory (so the codec runs exactly as with a file). For tests and for
// devices that accept losing the checkpoint on power loss. `bytes()` exposes the stored frame so a
// test can damage it.
class MemoryCheckpointStore final : public CheckpointStore {
 public:
  [[nodiscard]] Expected<std::optional<Checkpoint>, StoreError> load() override;
  [[nodiscard]] Expected<void, StoreError> save(const Checkpoint& checkpoint) override;
  [[nodiscard]] Expected<void, StoreError> clear() override;
  [[nodiscard]] std::optional<std::string>& bytes() noexcept { return bytes_; }

 private:
  std::optional<std::string> bytes_;
};

}  // namespace awsfota::store
