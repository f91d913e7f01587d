using System.Collections;
using System.Reflection;

namespace GcmActors.UnitTests;

/// <summary>
/// Structural equality for the wire and state records. Record equality is not enough: records holding
/// ImmutableArray, immutable dictionaries or byte[] compare those members by reference.
/// </summary>
internal static class DeepAssert
{
    public static void Equal(object? expected, object? actual) => Compare(expected, actual, "$");

    private static void Compare(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }

        var type = expected.GetType();
        Assert.True(type == actual.GetType(), $"{path}: expected a {type}, got a {actual.GetType()}");

        if (IsLeaf(type))
        {
            Assert.True(Equals(expected, actual), $"{path}: expected {expected}, got {actual}");
            return;
        }

        if (expected is IDictionary expectedMap)
        {
            var actualMap = (IDictionary)actual;
            Assert.True(expectedMap.Count == actualMap.Count, $"{path}: expected {expectedMap.Count} entries, got {actualMap.Count}");
            foreach (DictionaryEntry entry in expectedMap)
            {
                Assert.True(actualMap.Contains(entry.Key), $"{path}: key {entry.Key} is missing");
                Compare(entry.Value, actualMap[entry.Key], $"{path}[{entry.Key}]");
            }

            return;
        }

        if (expected is IEnumerable expectedItems)
        {
            var left = expectedItems.Cast<object?>().ToList();
            var right = ((IEnumerable)actual).Cast<object?>().ToList();
            Assert.True(left.Count == right.Count, $"{path}: expected {left.Count} items, got {right.Count}");
            for (var i = 0; i < left.Count; i++)
            {
                Compare(left[i], right[i], $"{path}[{i}]");
            }

            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0);
        foreach (var property in properties)
        {
            Compare(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(DateOnly) || type == typeof(DateTime) || type == typeof(DateTimeOffset)
        || type == typeof(TimeSpan) || type == typeof(Guid);
}

/// <summary>Guards the "fully populated" samples: a null or empty member would let a lost field go unnoticed.</summary>
internal static class Populated
{
    public static void Assert(object value) => Walk(value, "$");

    private static void Walk(object? value, string path)
    {
        Xunit.Assert.True(value is not null, $"{path} is null in a sample that should be fully populated");
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string or DateOnly or DateTimeOffset or DateTime)
        {
            return;
        }

        if (value is System.Collections.IDictionary map)
        {
            Xunit.Assert.True(map.Count > 0, $"{path} is empty");
            foreach (System.Collections.DictionaryEntry entry in map)
            {
                Walk(entry.Value, $"{path}[{entry.Key}]");
            }

            return;
        }

        if (value is System.Collections.IEnumerable items)
        {
            var list = items.Cast<object?>().ToList();
            Xunit.Assert.True(list.Count > 0, $"{path} is empty");
            for (var i = 0; i < list.Count; i++)
            {
                Walk(list[i], $"{path}[{i}]");
            }

            return;
        }

        foreach (var property in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                     .Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
        {
            Walk(property.GetValue(value), $"{path}.{property.Name}");
        }
    }
}
