using Orleans.CodeGeneration;

namespace GcmActors.Contracts;

/// <summary>
/// Marks a grain method whose calls need no ordering among themselves (each HTTP request is its own call), so that an
/// Orleans client sends them through every gateway in turn instead of pinning each grain to one gateway. Then every
/// gateway has looked up, and caches, where each review and round lives. When a silo dies, a client re-pins the
/// grains that went through it to another gateway; if that gateway had never routed them it would have to look them
/// up in the directory, and the directory entry of a grain may have died with the silo, so the lookup fails until the
/// death is declared (about a second in which a State on a live silo cannot be written; decision 0007).
/// <para>
/// It is a method attribute because Orleans 10 only reads message options from the request: the grain-type property
/// that <c>[StatelessWorker]</c> sets (<c>unordered</c>) is stored on the grain reference but never put on a message.
/// The code generator calls <c>AddInvokeMethodOptions(Unordered)</c> on each request of a method so marked, as it
/// does for <c>[ReadOnly]</c>. Only the client's choice of gateway reads the option.
/// </para>
/// </summary>
[InvokableCustomInitializer(nameof(IRequest.AddInvokeMethodOptions), InvokeMethodOptions.Unordered)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SpreadOverGatewaysAttribute : Attribute;
