// Payload conversion: C++ values <-> stead::Payload, compatible with the other Temporal SDKs.
//
//   stead::Payload p = stead::to_payload(order);          // json/plain via nlohmann ADL
//   Order o = stead::from_payload<Order>(p);
//   std::vector<stead::Payload> args = stead::to_payloads("order-1", 3);
//
// Encoding (the first rule that matches the static type wins, as in the other SDKs'
// default converter order null -> bytes -> protobuf -> json):
//   std::monostate, std::nullopt_t, std::nullptr_t, an empty std::optional,
//   a null nlohmann::json                        -> binary/null, no data
//   stead::Bytes (std::vector<std::byte>)        -> binary/plain, the bytes
//   a google::protobuf::Message                  -> json/protobuf, metadata messageType =
//                                                   the full name, proto3 JSON with sorted
//                                                   keys (byte-identical to the Python SDK)
//   anything nlohmann::json can hold             -> json/plain, compact JSON; user types
//     (to_json/from_json found by ADL, or NLOHMANN_DEFINE_TYPE_* macros)
//   std::optional<T> with a value                -> as T
//
// Decoding dispatches on the payload's `encoding` metadata and the requested type:
//   binary/null     -> std::monostate, an empty std::optional, a null nlohmann::json, or
//                      whatever nlohmann can build from JSON null
//   binary/plain    -> stead::Bytes
//   json/protobuf, binary/protobuf -> the requested message type (messageType, when present,
//                      must name it)
//   json/plain      -> any type nlohmann can build with from_json (a JSON `null` also gives
//                      an empty std::optional)
// Anything else (an unknown encoding, a type mismatch, malformed data) throws
// stead::PayloadConversionError naming the encoding and the requested C++ type.
//
// To take over a type, specialize the customization point:
//   template <> struct stead::PayloadConverter<Money> {
//     static stead::Payload to_payload(const Money&);
//     static Money from_payload(const stead::Payload&);
//   };
//
// Codecs (compression, encryption) are not applied here: they run on whole payload lists in
// the client and worker (stead/converter.h). All functions are thread-safe.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include <google/protobuf/message.h>
#include <nlohmann/json.hpp>

#include "stead/errors.h"
#include "stead/payload.h"

namespace stead {

template <class T>
struct PayloadConverter;

namespace detail {

// Building blocks of the default converter (src/common/converter/payload_converter.cc).
Payload null_payload();
Payload binary_payload(const Bytes& bytes);
Payload proto_payload(const google::protobuf::Message& message);
Payload json_payload(const nlohmann::json& value);
// Each throws PayloadConversionError naming `target` (a C++ type name) on a mismatch.
Bytes binary_from_payload(const Payload& payload, const std::string& target);
void proto_from_payload(const Payload& payload, google::protobuf::Message* out, const std::string& target);
// json/plain -> parsed JSON; binary/null -> JSON null.
nlohmann::json json_from_payload(const Payload& payload, const std::string& target);
[[noreturn]] void throw_json_mismatch(const Payload& payload, const std::string& target, const char* what);

// The demangled name of a type, e.g. "std::__cxx11::basic_string<...>" or "shop::Order".
std::string demangle(const char* mangled_name);
template <class T>
std::string type_name() {
  return demangle(typeid(T).name());
}

template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

template <class T>
inline constexpr bool is_null_type_v = std::is_same_v<T, std::monostate> || std::is_same_v<T, std::nullopt_t> ||
                                       std::is_same_v<T, std::nullptr_t>;

template <class T>
inline constexpr bool is_proto_v = std::is_base_of_v<google::protobuf::Message, T>;

template <class T>
concept DefaultEncodable = is_null_type_v<T> || std::is_same_v<T, Bytes> || is_proto_v<T> ||
                           is_optional_v<T> ||
                           std::is_constructible_v<nlohmann::json, const T&>;

template <class T>
concept CustomConverter = !requires { PayloadConverter<T>::kIsDefault; };

// Why `json` cannot become an integer of type T, or nullptr. nlohmann converts numbers with a
// bare static_cast: a float outside T's range (1e308 into int64_t) is undefined behaviour and a
// too-large integer wraps silently, so both are refused before get<T>. A float inside the range
// is truncated toward zero, as nlohmann does.
template <class T>
const char* integer_out_of_range(const nlohmann::json& json) {
  using Limits = std::numeric_limits<T>;
  if (json.is_number_float()) {
    const double value = json.get_ref<const nlohmann::json::number_float_t&>();
    const double high = std::ldexp(1.0, Limits::digits);  // 2^63 for int64_t, 2^64 for uint64_t
    const double low = Limits::is_signed ? -high : 0.0;
    const bool fits = value < high && (value > low - 1.0 || value == low);
    return fits ? nullptr : "a number outside the integer type's range";
  }
  if (json.is_number_unsigned()) {
    const auto value = json.get_ref<const nlohmann::json::number_unsigned_t&>();
    return value <= static_cast<std::make_unsigned_t<T>>(Limits::max()) ? nullptr
                                                                        : "a number outside the integer type's range";
  }
  if (json.is_number_integer()) {
    const auto value = json.get_ref<const nlohmann::json::number_integer_t&>();
    return std::in_range<T>(value) ? nullptr : "a number outside the integer type's range";
  }
  return nullptr;  // not a number: nlohmann's own type check reports it
}

template <class T>
concept JsonSequence = requires { typename T::value_type; } && std::ranges::range<T> &&
                       !std::is_convertible_v<T, std::string_view>;

// Walks `json` along the shape of T (integers, std::optional, sequences, maps, std::array) and
// returns the first reason it cannot become a T without undefined behaviour, or nullptr. User
// types converted by their own from_json are not walked: nlohmann's get_to inside them behaves
// as nlohmann documents.
template <class T>
const char* json_range_problem(const nlohmann::json& json) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return integer_out_of_range<T>(json);
  } else if constexpr (is_optional_v<T>) {
    return json.is_null() ? nullptr : json_range_problem<typename T::value_type>(json);
  } else if constexpr (requires { typename T::mapped_type; } && JsonSequence<T>) {
    if (!json.is_object() && !json.is_array()) return nullptr;
    for (const auto& element : json) {
      // A map serializes as an object when its key is a string, otherwise as [key, value] pairs.
      const nlohmann::json& value = json.is_object() ? element
                                    : element.is_array() && element.size() == 2 ? element[1]
                                                                                 : element;
      if (const char* problem = json_range_problem<typename T::mapped_type>(value)) return problem;
      if (json.is_array() && element.is_array() && element.size() == 2) {
        if (const char* problem = json_range_problem<typename T::key_type>(element[0])) return problem;
      }
    }
    return nullptr;
  } else if constexpr (JsonSequence<T> && !std::is_same_v<T, nlohmann::json>) {
    if (!json.is_array()) return nullptr;
    for (const auto& element : json) {
      if (const char* problem = json_range_problem<std::remove_cv_t<typename T::value_type>>(element)) return problem;
    }
    return nullptr;
  } else {
    return nullptr;
  }
}

}  // namespace detail

// True for the types to_payload accepts: see the table above, or a PayloadConverter
// specialization. Used to constrain the typed client calls.
template <class T>
concept PayloadConvertible =
    detail::CustomConverter<std::decay_t<const T&>> || detail::DefaultEncodable<std::decay_t<const T&>>;

// The default converter; specialize it for your own types (see the top of this file).
template <class T>
struct PayloadConverter {
  static constexpr bool kIsDefault = true;

  static Payload to_payload(const T& value) {
    if constexpr (detail::is_null_type_v<T>) {
      return detail::null_payload();
    } else if constexpr (detail::is_optional_v<T>) {
      if (!value) return detail::null_payload();
      return PayloadConverter<typename T::value_type>::to_payload(*value);
    } else if constexpr (std::is_same_v<T, Bytes>) {
      return detail::binary_payload(value);
    } else if constexpr (detail::is_proto_v<T>) {
      return detail::proto_payload(value);
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
      return value.is_null() ? detail::null_payload() : detail::json_payload(value);
    } else {
      static_assert(std::is_constructible_v<nlohmann::json, const T&>,
                    "stead: no payload conversion for this type; define to_json/from_json for it "
                    "(nlohmann ADL) or specialize stead::PayloadConverter");
      return detail::json_payload(nlohmann::json(value));
    }
  }

  static T from_payload(const Payload& payload) {
    if constexpr (detail::is_optional_v<T>) {
      auto enc = encoding_of(payload);
      if (enc == encoding::kNull) return std::nullopt;
      if (enc == encoding::kJson && payload.data() == "null") return std::nullopt;
      return PayloadConverter<typename T::value_type>::from_payload(payload);
    } else if constexpr (detail::is_null_type_v<T>) {
      if (encoding_of(payload) != encoding::kNull) {
        auto json = detail::json_from_payload(payload, detail::type_name<T>());
        if (!json.is_null()) detail::throw_json_mismatch(payload, detail::type_name<T>(), "expected null");
      }
      if constexpr (std::is_same_v<T, std::nullopt_t>) {
        return std::nullopt;
      } else {
        return T{};
      }
    } else if constexpr (std::is_same_v<T, Bytes>) {
      return detail::binary_from_payload(payload, detail::type_name<T>());
    } else if constexpr (detail::is_proto_v<T>) {
      T message;
      detail::proto_from_payload(payload, &message, detail::type_name<T>());
      return message;
    } else {
      nlohmann::json json = detail::json_from_payload(payload, detail::type_name<T>());
      if constexpr (std::is_same_v<T, nlohmann::json>) {
        return json;
      } else {
        if (const char* problem = detail::json_range_problem<T>(json)) {
          detail::throw_json_mismatch(payload, detail::type_name<T>(), problem);
        }
        try {
          return json.get<T>();
        } catch (const nlohmann::json::exception& e) {
          detail::throw_json_mismatch(payload, detail::type_name<T>(), e.what());
        }
      }
    }
  }
};

// The payload for `value` (see the table at the top). Throws PayloadConversionError when
// the value cannot be represented (e.g. a string that is not valid UTF-8 for json/plain).
template <class T>
Payload to_payload(const T& value) {
  return PayloadConverter<std::decay_t<const T&>>::to_payload(value);
}

// A binary/null payload: what a function returning void produces.
inline Payload to_payload() { return detail::null_payload(); }

// One payload per argument, in order.
template <class... Args>
std::vector<Payload> to_payloads(const Args&... values) {
  std::vector<Payload> out;
  out.reserve(sizeof...(Args));
  (out.push_back(to_payload(values)), ...);
  return out;
}

// The value of type T held by `payload`; for T = void, nothing (any payload is accepted).
// Throws PayloadConversionError on an unknown encoding or a mismatch.
template <class T>
T from_payload(const Payload& payload) {
  if constexpr (std::is_void_v<T>) {
    return;
  } else {
    return PayloadConverter<T>::from_payload(payload);
  }
}

// The value of a result that may be absent (a Go workflow that returns nothing sends no
// payload at all): an absent payload decodes like binary/null.
template <class T>
T from_optional_payload(const Payload* payload) {
  if constexpr (std::is_void_v<T>) {
    return;
  } else {
    return payload ? from_payload<T>(*payload) : from_payload<T>(to_payload());
  }
}

}  // namespace stead
