"""The runner stack must work with torch alone: no torchvision, no pycocotools."""
import subprocess
import sys
import textwrap


def test_runner_imports_and_trains_without_torchvision(tmp_path):
    script = textwrap.dedent('''
        import sys
        sys.modules['torchvision'] = None   # any import of torchvision now fails
        sys.modules['pycocotools'] = None
        import torch
        import mmlite, mmlite.utils, mmlite.parallel, mmlite.runner
        from mmlite.runner import EpochBasedRunner
        model = torch.nn.Linear(2, 1)
        def train_step(data, optimizer=None, **kw):
            loss = model(data).pow(2).mean()
            return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data))
        model.train_step = train_step
        runner = EpochBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                                  work_dir=sys.argv[1], max_epochs=1)
        runner.register_training_hooks(lr_config=dict(policy='step', step=[1]), optimizer_config=dict(),
                                       checkpoint_config=dict(interval=1),
                                       log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook')]))
        runner.run([torch.utils.data.DataLoader(torch.randn(4, 2), batch_size=2)], [('train', 1)])
        print('OK', runner.iter)
    ''')
    out = subprocess.run([sys.executable, '-c', script, str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert 'OK 2' in out.stdout
