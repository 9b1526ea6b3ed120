using ClusterML.Engines.Nep.Active;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Tests.Training;

namespace ClusterML.Engines.Nep.Tests.Active;

[Collection("Torch")]
public sealed class NepCommitteeTests
{
    [Fact]
    public void Members_should_differ_from_each_other_but_be_reproducible_from_the_seed()
    {
        var frames = MorseFrames.Make(4, 5);
        var settings = ActiveFixtures.Tiny;
        var a = NepCommittee.Train(settings, ["Ar"], frames, 3, seed: 11);
        var again = NepCommittee.Train(settings, ["Ar"], frames, 3, seed: 11);
        var other = NepCommittee.Train(settings, ["Ar"], frames, 3, seed: 12);
        Assert.Equal(3, a.Members.Count);
        Assert.Equal(3, a.TrainForceRmse.Count);
        Assert.All(a.TrainForceRmse, r => Assert.True(double.IsFinite(r) && r > 0));
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(a.Members[k].Parameters, again.Members[k].Parameters);
            Assert.NotEqual(a.Members[k].Parameters, other.Members[k].Parameters);
            for (var j = k + 1; j < 3; j++)
            {
                Assert.NotEqual(a.Members[k].Parameters, a.Members[j].Parameters);
            }
        }
    }

    [Fact]
    public void Fine_tuning_should_start_each_member_from_the_previous_committees_member()
    {
        var frames = MorseFrames.Make(4, 6);
        var settings = ActiveFixtures.Tiny;
        var first = NepCommittee.Train(settings, ["Ar"], frames, 2, seed: 1);
        // A vanishing learning rate: the fine-tuned members stay where they started (b1 may move by the refitted offset).
        var still = settings with { Epochs = 1, LearningRate = 1e-12, FinalLearningRate = 1e-12 };
        var tuned = NepCommittee.Train(still, ["Ar"], frames, 2, seed: 2, previous: first.Members);
        for (var k = 0; k < 2; k++)
        {
            Assert.True(MaxDifference(first.Members[k], tuned.Members[k]) < 1e-8, $"member {k} moved");
            Assert.Equal(first.Members[k].QScaler, tuned.Members[k].QScaler);
        }
        Assert.True(MaxDifference(first.Members[0], first.Members[1]) > 1e-3);
        Assert.Throws<ArgumentException>(() => NepCommittee.Train(still, ["Ar"], frames, 3, seed: 2, previous: first.Members));
    }

    [Fact]
    public void Students_should_take_the_architecture_of_a_model()
    {
        var teacher = ActiveFixtures.Teacher;
        var settings = NepCommittee.ArchitectureOf(teacher, new ClusterML.Engines.Nep.Training.NepTrainingSettings());
        var student = ClusterML.Engines.Nep.Training.NepInitializer.Create(settings, teacher.Species, MorseFrames.Make(2, 1), 3);
        Assert.Equal(teacher.ParameterCount, student.ParameterCount);
        Assert.Equal(teacher.Neurons, student.Neurons);
        Assert.Equal(teacher.Cutoffs, student.Cutoffs);
    }

    private static double MaxDifference(NepModel a, NepModel b) =>
        a.Parameters.Zip(b.Parameters, (x, y) => Math.Abs(x - y)).Where((_, i) => i != a.AnnParameterCount - 1).Max();
}
