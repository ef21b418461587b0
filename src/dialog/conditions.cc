#include "dialog/conditions.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "dialog/templates.h"

namespace kefu::dialog {
namespace {

struct Token {
  enum class Kind { kName, kString, kNumber, kOp, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t at = 0;  // byte offset, for messages
};

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    Token t;
    t.at = i;
    if (c == '\'' || c == '"') {
      size_t close = s.find(c, i + 1);
      if (close == std::string_view::npos) {
        return Status::InvalidArgument("unclosed string at column " + std::to_string(i + 1));
      }
      t.kind = Token::Kind::kString;
      t.text = std::string(s.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if ((c >= '0' && c <= '9') ||
               (c == '-' && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9')) {
      size_t j = i + 1;
      while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
      t.kind = Token::Kind::kNumber;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (name_char(c)) {
      size_t j = i;
      while (j < s.size() && name_char(s[j])) ++j;
      t.kind = Token::Kind::kName;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else {
      static const char* kOps[] = {"==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", ","};
      bool found = false;
      for (const char* op : kOps) {
        std::string_view o(op);
        if (s.substr(i, o.size()) == o) {
          t.kind = Token::Kind::kOp;
          t.text = std::string(o);
          i += o.size();
          found = true;
          break;
        }
      }
      if (!found) {
        return Status::InvalidArgument("unexpected `" + std::string(1, c) + "` at column " +
                                       std::to_string(i + 1));
      }
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.at = s.size();
  out.push_back(end);
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> t) : t_(std::move(t)) {}

  Result<Condition> Parse() {
    auto c = Or();
    if (!c.ok()) return c;
    if (Peek().kind != Token::Kind::kEnd) return Fail("unexpected `" + Peek().text + "`");
    return c;
  }

 private:
  const Token& Peek() const { return t_[i_]; }
  bool IsWord(const char* w) const { return Peek().kind == Token::Kind::kName && Peek().text == w; }
  bool IsOp(const char* o) const { return Peek().kind == Token::Kind::kOp && Peek().text == o; }
  Status Fail(const std::string& what) const {
    return Status::InvalidArgument(what + " at column " + std::to_string(Peek().at + 1));
  }

  Result<Condition> Or() {
    auto left = And();
    if (!left.ok() || !IsWord("or")) return left;
    Condition c;
    c.op = Condition::Op::kOr;
    c.operands.push_back(std::move(*left));
    while (IsWord("or")) {
      ++i_;
      auto right = And();
      if (!right.ok()) return right;
      c.operands.push_back(std::move(*right));
    }
    return c;
  }

  Result<Condition> And() {
    auto left = Not();
    if (!left.ok() || !IsWord("and")) return left;
    Condition c;
    c.op = Condition::Op::kAnd;
    c.operands.push_back(std::move(*left));
    while (IsWord("and")) {
      ++i_;
      auto right = Not();
      if (!right.ok()) return right;
      c.operands.push_back(std::move(*right));
    }
    return c;
  }

  Result<Condition> Not() {
    if (IsWord("not")) {
      ++i_;
      auto inner = Not();
      if (!inner.ok()) return inner;
      Condition c;
      c.op = Condition::Op::kNot;
      c.operands.push_back(std::move(*inner));
      return c;
    }
    return Primary();
  }

  // A literal: a string, a number, true / false.
  Result<std::pair<std::string, bool>> Literal(const std::string& after) {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kString) {
      ++i_;
      return std::make_pair(t.text, false);
    }
    if (t.kind == Token::Kind::kNumber) {
      ++i_;
      return std::make_pair(t.text, true);
    }
    if (t.kind == Token::Kind::kName && (t.text == "true" || t.text == "false")) {
      ++i_;
      return std::make_pair(t.text, false);
    }
    return Fail("expected a value ('text', a number, true or false) after `" + after + "`");
  }

  Result<Condition> Primary() {
    if (IsOp("(")) {
      ++i_;
      auto inner = Or();
      if (!inner.ok()) return inner;
      if (!IsOp(")")) return Fail("`)` missing");
      ++i_;
      return inner;
    }
    const Token& t = Peek();
    if (t.kind != Token::Kind::kName || t.text == "and" || t.text == "or" || t.text == "in") {
      return Fail(t.kind == Token::Kind::kEnd ? std::string("expected a slot name")
                                              : "expected a slot name, not `" + t.text + "`");
    }
    if (!ValidJsonPath(t.text)) return Fail("`" + t.text + "` is not a slot name");
    Condition c;
    c.slot = t.text;
    ++i_;
    static const std::pair<const char*, Condition::Op> kCompare[] = {
        {"==", Condition::Op::kEq}, {"!=", Condition::Op::kNe}, {"<=", Condition::Op::kLe},
        {">=", Condition::Op::kGe}, {"<", Condition::Op::kLt},  {">", Condition::Op::kGt}};
    for (const auto& [op, kind] : kCompare) {
      if (IsOp(op)) {
        ++i_;
        auto lit = Literal(op);
        if (!lit.ok()) return lit.status();
        c.op = kind;
        c.literal.push_back(lit->first);
        c.numeric = lit->second;
        bool ordering = kind != Condition::Op::kEq && kind != Condition::Op::kNe;
        if (ordering && !c.numeric) {
          return Status::InvalidArgument(std::string("`") + op + "` compares numbers: `" +
                                         lit->first + "` is not one");
        }
        return c;
      }
    }
    if (IsWord("in")) {
      ++i_;
      if (!IsOp("[")) return Fail("expected `[` after `in`");
      ++i_;
      c.op = Condition::Op::kIn;
      while (true) {
        auto lit = Literal(c.literal.empty() ? "[" : ",");
        if (!lit.ok()) return lit.status();
        c.literal.push_back(lit->first);
        if (IsOp(",")) {
          ++i_;
          continue;
        }
        if (IsOp("]")) {
          ++i_;
          break;
        }
        return Fail("expected `,` or `]`");
      }
      return c;
    }
    c.op = Condition::Op::kTruthy;
    return c;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

bool Truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return !s.empty() && s != "false" && s != "0";
  }
  return !v.empty();
}

// The value as text for == and in: strings as they are, numbers shortest.
std::string AsText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return RenderValue(v, "");
}

bool AsNumber(const Json& v, double* out) {
  if (v.is_number()) {
    *out = v.get<double>();
    return true;
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty()) return false;
    char* end = nullptr;
    *out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
  }
  return false;
}

bool Equal(const Json& v, const std::string& literal, bool numeric) {
  if (numeric) {
    double a = 0;
    return AsNumber(v, &a) && a == std::strtod(literal.c_str(), nullptr);
  }
  return AsText(v) == literal;
}

}  // namespace

Result<Condition> ParseCondition(std::string_view text) {
  auto tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return Status::InvalidArgument("empty condition");
  return Parser(std::move(*tokens)).Parse();
}

bool EvaluateCondition(const Condition& c, const Json& slots) {
  switch (c.op) {
    case Condition::Op::kNot:
      return !EvaluateCondition(c.operands.at(0), slots);
    case Condition::Op::kAnd:
      for (const auto& o : c.operands) {
        if (!EvaluateCondition(o, slots)) return false;
      }
      return true;
    case Condition::Op::kOr:
      for (const auto& o : c.operands) {
        if (EvaluateCondition(o, slots)) return true;
      }
      return false;
    default:
      break;
  }
  Json v = LookupPath(slots, c.slot);
  switch (c.op) {
    case Condition::Op::kTruthy:
      return Truthy(v);
    case Condition::Op::kEq:
      return Equal(v, c.literal.at(0), c.numeric);
    case Condition::Op::kNe:
      return !Equal(v, c.literal.at(0), c.numeric);
    case Condition::Op::kIn:
      for (const auto& l : c.literal) {
        if (Equal(v, l, false)) return true;
      }
      return false;
    default: {
      double a = 0;
      if (!AsNumber(v, &a)) return false;
      double b = std::strtod(c.literal.at(0).c_str(), nullptr);
      switch (c.op) {
        case Condition::Op::kLt:
          return a < b;
        case Condition::Op::kLe:
          return a <= b;
        case Condition::Op::kGt:
          return a > b;
        case Condition::Op::kGe:
          return a >= b;
        default:
          return false;
      }
    }
  }
}

}  // namespace kefu::dialog
