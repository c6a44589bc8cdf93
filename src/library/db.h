// A small C++ face for SQLite: a connection that waits for other writers with one clear message, statements
// with bound parameters, and transactions that roll back unless committed. Every failure is a vidscribe::Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

#include "vidscribe/error.h"

namespace vidscribe::library {

class Db;

// A failure of the library's database itself (busy, damaged, full, not a library): it ends any operation,
// unlike a failure of one video file.
class DbError : public Error {
 public:
  using Error::Error;
};

class Stmt {
 public:
  Stmt(Db& db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  // Parameters from 1, as SQLite counts them. Returns *this to chain.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view text);
  Stmt& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  Stmt& bind_blob(int i, const void* data, size_t bytes);
  Stmt& bind_null(int i);

  bool step();  // true: a row is there; false: done. Throws on error (kIo, or kBusy as kIo after the wait).
  void run() { step(); reset(); }  // for statements without rows
  void reset();

  int64_t integer(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::string_view blob(int col) const;
  bool is_null(int col) const;

 private:
  Db* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  // Opens (creating unless `create` is false) a database file. A file that is not SQLite gives
  // Error(kInvalidArgument) naming it; other failures kIo. `busy_timeout_s`: how long a statement waits for
  // another process's write transaction, with one message once it has waited a second.
  Db(const std::filesystem::path& path, bool create, double busy_timeout_s);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);  // one or more statements without results
  int64_t last_insert_id() const;
  int changes() const;
  sqlite3* handle() { return db_; }
  const std::filesystem::path& path() const { return path_; }

  // Throws the Error for SQLite result `rc` in `what`.
  [[noreturn]] void fail(int rc, const std::string& what) const;

  double busy_timeout_s() const { return busy_timeout_s_; }

 private:
  static int on_busy(void* self, int count);
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  double busy_timeout_s_;
  bool told_waiting_ = false;
};

// BEGIN IMMEDIATE (takes the write lock at once, waiting for another writer) ... COMMIT; rolled back when
// destroyed without commit().
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace vidscribe::library
